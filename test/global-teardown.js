// Removes the run's temporary folder (see global-setup.js).
module.exports = async () => {
  globalThis.__decouplingTestRunDir?.remove();
};
