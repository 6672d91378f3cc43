// Snapshots are a reviewer's diff aid: asset hashes change with every handler edit, so they are
// replaced by a placeholder; everything else in the template is compared as is.
const HASH = /[0-9a-f]{64}/;
const HASHES = /[0-9a-f]{64}/g;
module.exports = {
  test: (value) => typeof value === 'string' && HASH.test(value),
  serialize: (value) => JSON.stringify(value.replace(HASHES, '[ASSET-HASH]')),
};
