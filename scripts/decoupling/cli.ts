/**
 * `npx decoupling`: operate and understand the patterns. One file per command beside this one; this
 * file only declares the commands (commander) and turns errors into one line and an exit code.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PATTERNS } from '../../lib/patterns';
import { demoCommand } from './demo';
import { diagramCommand } from './diagram';
import { CliError, type CliIo, EXIT } from './io';
import { MAX_MOVE_RATE, QUEUE_ARN, redriveCancelCommand, redriveCommand, redriveStatusCommand } from './redrive';
import { smokeCommand } from './smoke';
import { upCommand } from './up';

const EXIT_CODES = `
Exit codes:
  0    done
  1    what the command did failed (a scenario step, a message move task, a fork's check)
  2    bad arguments
  3    the target cannot be used (credentials, region, stack, queue, access denied, a constraint)
  130  interrupted (Ctrl-C); what was done so far is kept`;

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got ${value}`);
  return n;
}

// Every argument is checked here, as commander reads it: a bad one is one line and exit 2 before a
// command builds an SDK client (whose construction may print warnings of its own).

function moveRate(value: string): number {
  const n = wholeNumber(value);
  if (n < 1 || n > MAX_MOVE_RATE) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_MOVE_RATE} (StartMessageMoveTask's limit), got ${value}`);
  }
  return n;
}

function queueRef(value: string): string {
  if (QUEUE_ARN.test(value)) return value;
  if (/^https?:\/\//.test(value) && URL.canParse(value) && new URL(value).pathname.length > 1) return value;
  throw new InvalidArgumentError(`${value} is neither a queue URL nor an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)`);
}

function endpointUrl(value: string): string {
  if (/^https?:\/\//.test(value) && URL.canParse(value)) return value;
  throw new InvalidArgumentError(`expected an http:// or https:// URL, got ${value}`);
}

function region(value: string): string {
  if (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) return value;
  throw new InvalidArgumentError(`expected an AWS region such as eu-west-1, got ${value}`);
}

function stackName(value: string): string {
  // A stack name (a letter, then letters, digits and hyphens, at most 128) or a stack id (its ARN).
  if (/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value) || /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/.+$/.test(value))
    return value;
  throw new InvalidArgumentError(
    `expected a CloudFormation stack name (a letter, then letters, digits and hyphens) or stack ARN, got ${value}`,
  );
}

/** The program, with its commands bound to `io`; `run` resolves to the exit code. */
export function program(io: CliIo, run: (work: Promise<number>) => void): Command {
  const cli = new Command('decoupling')
    .description('Operate and understand the decoupling-patterns stacks: fork, redrive, smoke, demo, diagrams.')
    .addHelpText('after', EXIT_CODES)
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // One line per bad argument: what is wrong and where the usage is.
      outputError: (s, write) => write(`decoupling: ${s.replace(/^error: /, '').trim()} (see --help)\n`),
    });

  // `new` needs the fork tool (scripts/fork.ts), which the project has and a fork of it does not.
  if (existsSync(path.join(__dirname, 'new.ts')) && existsSync(path.join(__dirname, '..', 'fork.ts'))) {
    cli
      .command('new')
      .description('start a project of your own from one pattern (its folders, what it reuses, the local runtime, tests, CI)')
      .argument('<pattern>', `the pattern: ${PATTERNS.map((p) => p.name).join(', ')}`)
      .argument('<dir>', 'a new or empty folder outside this project')
      .addHelpText('after', EXIT_CODES)
      .action((pattern, dir) => {
        const { newCommand } = require(path.join(__dirname, 'new')) as {
          newCommand: (options: { pattern: string; dir: string }, io: CliIo) => Promise<number>;
        };
        run(newCommand({ pattern, dir }, io));
      });
  }

  const redrive = cli
    .command('redrive')
    .description("move a dead-letter queue's messages back to their source with a message move task, showing progress")
    .option('--queue <url-or-arn>', 'the dead-letter queue (required)', queueRef)
    .option('--to <url-or-arn>', "destination queue of the same type (default: each message's source queue)", queueRef)
    .option('--max-per-second <n>', `most messages moved per second, 1 to ${MAX_MOVE_RATE} (default: SQS decides)`, moveRate)
    .option('--region <region>', 'AWS region (default: AWS_REGION, or the ARN’s)', region)
    .option('--endpoint-url <url>', 'an SQS endpoint (default: the local runtime’s, for a local queue URL; else AWS)', endpointUrl)
    .addHelpText('after', EXIT_CODES)
    .enablePositionalOptions()
    .action((options) => {
      if (!options.queue) throw new CliError("required option '--queue <url-or-arn>' not specified (see --help)", EXIT.usage);
      run(redriveCommand(options, io));
    });
  redrive
    .command('status')
    .description('the most recent message move tasks of a dead-letter queue')
    .requiredOption('--queue <url-or-arn>', 'the dead-letter queue', queueRef)
    .option('--region <region>', 'AWS region', region)
    .option('--endpoint-url <url>', 'an SQS endpoint', endpointUrl)
    .addHelpText('after', EXIT_CODES)
    .action((options) => run(redriveStatusCommand(options, io)));
  redrive
    .command('cancel')
    .description('cancel the running message move task of a dead-letter queue (moved messages stay moved)')
    .requiredOption('--queue <url-or-arn>', 'the dead-letter queue', queueRef)
    .option('--region <region>', 'AWS region', region)
    .option('--endpoint-url <url>', 'an SQS endpoint', endpointUrl)
    .addHelpText('after', EXIT_CODES)
    .action((options) => run(redriveCancelCommand(options, io)));

  cli
    .command('smoke')
    .description(
      "check a deployed stack: preflight (region, credentials, stack status, outputs), then the pattern's scenario against it, removing the test data it created",
    )
    .argument('<pattern>', `the pattern: ${PATTERNS.map((p) => p.name).join(', ')}`)
    .option('--stack-name <name>', "the deployed stack's name (default: the pattern's stack id)", stackName)
    .option('--region <region>', 'AWS region (default: AWS_REGION or your profile’s)', region)
    .addHelpText('after', EXIT_CODES)
    .action((pattern, options) => run(smokeCommand({ pattern, stackName: options.stackName, region: options.region }, io)));

  cli
    .command('demo')
    .description('run the scenarios on the local runtime (offline, no AWS account), a line per pattern as it goes')
    .argument('[pattern...]', 'patterns to run (default: every pattern)')
    .addHelpText('after', EXIT_CODES)
    .action((patterns) => run(demoCommand({ patterns }, io)));

  cli
    .command('diagram')
    .description(
      "print a pattern's architecture diagram (Mermaid) exactly as its guide shows it, generated from its synthesized template; with no pattern, one flowchart of every pattern, a subgraph each",
    )
    .argument('[pattern]', 'the pattern (default: every pattern, in one flowchart)')
    .option('--out <file>', 'write to this file (default: standard output)')
    .addHelpText('after', EXIT_CODES)
    .action((pattern, options) => run(diagramCommand({ pattern, out: options.out }, io)));

  cli
    .command('up')
    .description('run patterns on the local runtime until Ctrl-C, printing their outputs and endpoints (for redrive and your own scripts)')
    .argument('[pattern...]', 'patterns to run (default: every pattern)')
    .addOption(new Option('--retry-delay <seconds>', 'seconds before failed work is retried locally').default(0).argParser(wholeNumber))
    .addHelpText('after', EXIT_CODES)
    .action((patterns, options) => run(upCommand({ patterns, retryDelaySeconds: options.retryDelay }, io)));

  return cli;
}

/** Runs the command line; resolves to the exit code. Errors are one line on stderr. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let work: Promise<number> | undefined;
  const cli = program(io, (w) => {
    work = w;
  });
  if (argv.length === 0) {
    io.err.write(cli.helpInformation());
    return EXIT.usage;
  }
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    if (!work) {
      cli.outputHelp();
      return EXIT.usage;
    }
    return await work;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err.write(`decoupling: ${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`decoupling: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
