import { main } from '../../scripts/decoupling/cli';
import { capturedIo } from './captured-io';

describe('npx decoupling', () => {
  test('--help lists the commands and the exit codes', async () => {
    const run = capturedIo();
    expect(await main(['--help'], run.io)).toBe(0);
    const help = run.out.join('');
    for (const command of ['redrive', 'smoke', 'demo', 'diagram', 'up']) expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(help).toContain('Exit codes:');
    expect(help).toContain('130  interrupted');
  });

  test.each(['redrive', 'smoke', 'demo', 'diagram', 'up'])('%s --help', async (command) => {
    const run = capturedIo();
    expect(await main([command, '--help'], run.io)).toBe(0);
    expect(run.out.join('')).toMatch(new RegExp(`^Usage: decoupling ${command}`));
  });

  test('no command: the usage, exit 2', async () => {
    const run = capturedIo();
    expect(await main([], run.io)).toBe(2);
  });

  test.each([
    [['diagram', 'nope'], 'unknown pattern nope: known patterns are '],
    [['up', 'nope'], 'unknown pattern nope: known patterns are '],
    [['redrive', '--frobnicate'], "unknown option '--frobnicate'"],
  ])('%j: one line, exit 2', async (argv, message) => {
    const run = capturedIo();
    expect(await main(argv, run.io)).toBe(2);
    expect(run.err.join('')).toContain(message);
    expect(run.err.join('').trim().split('\n')).toHaveLength(1);
  });
});
