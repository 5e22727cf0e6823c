/**
 * The `noesis` command. Subcommands register here, one `add<Domain>Commands(program)` per
 * domain; each prints one clear line and exits 1 on a NoesisError instead of a stack trace.
 */
import { Command, InvalidArgumentError } from 'commander';
import { isNoesisError } from '../errors.ts';
import { APP_VERSION } from '../runtime.ts';
import { runStart } from './start.ts';
import { addWalletCommands } from './wallet.ts';
import { addModelsCommands } from './models.ts';
import { addChainCommands } from './chain.ts';
import { addEarningsCommands } from './earnings.ts';
import { addGovCommands } from './gov.ts';
import { addSubnetCommands } from './subnet.ts';
import { addNetworkCommands } from './network.ts';
import { addDevnetCommand } from './devnet.ts';
import { addProofCommand } from './proof.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535');
  }
  return port;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('noesis')
    .description(
      'Noesis: a desktop node for a Bittensor-style network. Mine, validate, stake, vote.',
    )
    .version(APP_VERSION, '-v, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('start')
    .description('start the node: the desktop app, or headless with the UI served on 127.0.0.1')
    .option('--data-dir <dir>', 'data folder (default: the per-OS application data folder)')
    .option('--port <n>', 'web UI port (default 7420; 0 picks a free one)', parsePort)
    .option('--host <address>', 'address the web UI binds (default 127.0.0.1)')
    .option('--headless', 'never open a window; serve the UI on the web port')
    .option('--genesis <file>', 'join the network this genesis file defines')
    .option(
      '--bootstrap <multiaddr>',
      'a peer of that network, …/p2p/<peer id> (repeatable; kept in the p2p settings)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(
      async (options: {
        dataDir?: string;
        port?: number;
        host?: string;
        headless?: boolean;
        genesis?: string;
        bootstrap?: string[];
      }) => {
        process.exitCode = await runStart(options);
      },
    );

  addWalletCommands(program);
  addModelsCommands(program);
  addChainCommands(program);
  addEarningsCommands(program);
  addGovCommands(program);
  addSubnetCommands(program);
  addNetworkCommands(program);
  addDevnetCommand(program);
  addProofCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (isNoesisError(error)) {
      process.stderr.write(`noesis: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
