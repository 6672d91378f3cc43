import type { Command } from 'commander';
import { main, program } from '../../scripts/decoupling/cli';
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

  // Every command and subcommand (redrive status, redrive cancel...), found in the program itself.
  const paths = (command: Command, prefix: string[] = []): string[][] =>
    command.commands.flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
  const commands = paths(program(capturedIo().io, () => undefined));

  test('the commands found include the subcommands', () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        ['redrive', 'status'],
        ['redrive', 'cancel'],
      ]),
    );
  });

  test.each(commands.map((c) => [c.join(' '), c] as const))('%s --help documents the exit codes', async (_name, command) => {
    const run = capturedIo();
    expect(await main([...command, '--help'], run.io)).toBe(0);
    const help = run.out.join('');
    expect(help).toMatch(new RegExp(`^Usage: decoupling ${command.join(' ')}\\b`));
    for (const code of ['0    done', '1    ', '2    bad arguments', '3    the target cannot be used', '130  interrupted']) {
      expect([command, help]).toEqual([command, expect.stringContaining(`\n  ${code}`)]);
    }
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
