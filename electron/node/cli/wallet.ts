/**
 * `noesis wallet ...`: create, import, list, show and new-hotkey on the wallets of a data folder.
 * Works on the keystore files directly (each write is atomic), so it needs no running node.
 */
import type { Command } from 'commander';
import { defaultDataDir, ensureWritableDataDir } from '../data-dir.ts';
import type { HotkeyInfo, WalletInfo } from '../wallet/types.ts';
import { WalletService } from '../wallet/service.ts';
import { readPassword, readTextFile } from './prompt.ts';

interface CommonOptions {
  dataDir?: string;
  json?: boolean;
  passwordFile?: string;
}

async function openWallets(options: CommonOptions): Promise<WalletService> {
  const dataDir = await ensureWritableDataDir(options.dataDir ?? defaultDataDir());
  return new WalletService({ dataDir, autoLockMs: 0 });
}

/** The `--json` shape of one wallet: addresses first, details beside them. */
export function walletJson(wallet: WalletInfo) {
  return {
    name: wallet.name,
    coldkey: wallet.coldkey.address,
    hotkeys: wallet.hotkeys.map((hotkey) => hotkey.address),
    hotkeyDetails: wallet.hotkeys.map(hotkeyJson),
    createdAt: wallet.createdAt,
    file: wallet.file,
  };
}

function hotkeyJson(hotkey: HotkeyInfo) {
  return {
    index: hotkey.index,
    name: hotkey.name,
    address: hotkey.address,
    source: hotkey.source,
    peerId: hotkey.peerId,
  };
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function describeWallet(wallet: WalletInfo): string {
  const lines = [`${wallet.name}`, `  coldkey  ${wallet.coldkey.address}`];
  for (const hotkey of wallet.hotkeys) {
    lines.push(`  hotkey   ${hotkey.address}  ${hotkey.name} (#${hotkey.index}, ${hotkey.source})`);
  }
  return lines.join('\n');
}

function withCommon(command: Command, password = false): Command {
  command
    .option('--data-dir <dir>', 'data folder (default: the per-OS application data folder)')
    .option('--json', 'print JSON');
  if (password) {
    command.option(
      '--password-file <file>',
      'read the password from the first line of FILE (or set NOESIS_PASSWORD)',
    );
  }
  return command;
}

export function addWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('create, restore and inspect wallets');

  withCommon(
    wallet
      .command('create')
      .description('create a wallet from new recovery words')
      .requiredOption('--name <name>', 'wallet name (letters, digits, _ and -)')
      .option('--words <n>', 'number of recovery words: 12 or 24', '12'),
    true,
  ).action(async (options: CommonOptions & { name: string; words: string }) => {
    if (options.words !== '12' && options.words !== '24') {
      program.error('noesis: --words must be 12 or 24', { exitCode: 1 });
    }
    const wallets = await openWallets(options);
    const password = await readPassword({ passwordFile: options.passwordFile, confirm: true });
    const created = await wallets.create({
      name: options.name,
      words: Number(options.words) as 12 | 24,
      password,
    });
    if (options.json) {
      printJson({ ...walletJson(created.wallet), mnemonic: created.mnemonic });
      return;
    }
    const words = created.mnemonic.split(' ');
    process.stdout.write(
      [
        `Wallet ${created.wallet.name} created.`,
        describeWallet(created.wallet),
        '',
        'Recovery words. Write them down in order and keep them offline: they are shown only',
        'this once, and they are the only way to restore this wallet.',
        ...words.map((word, index) => `  ${String(index + 1).padStart(2)}. ${word}`),
        '',
      ].join('\n'),
    );
  });

  withCommon(
    wallet
      .command('import')
      .description('restore a wallet from its recovery words')
      .requiredOption('--name <name>', 'wallet name')
      .requiredOption('--mnemonic-file <file>', 'file holding the 12 or 24 recovery words'),
    true,
  ).action(async (options: CommonOptions & { name: string; mnemonicFile: string }) => {
    const mnemonic = await readTextFile(options.mnemonicFile, 'mnemonic');
    const wallets = await openWallets(options);
    const password = await readPassword({ passwordFile: options.passwordFile, confirm: true });
    const imported = await wallets.import({ name: options.name, mnemonic, password });
    if (options.json) printJson(walletJson(imported));
    else process.stdout.write(`Wallet ${imported.name} restored.\n${describeWallet(imported)}\n`);
  });

  withCommon(wallet.command('list').description('list wallets and their addresses')).action(
    async (options: CommonOptions) => {
      const wallets = await openWallets(options);
      const list = await wallets.list();
      for (const bad of list.unreadable) {
        process.stderr.write(`noesis: skipped ${bad.file}: ${bad.message}\n`);
      }
      if (options.json) {
        printJson(list.wallets.map(walletJson));
        return;
      }
      if (list.wallets.length === 0) {
        process.stdout.write(
          'No wallets yet: create one with `noesis wallet create --name NAME`.\n',
        );
        return;
      }
      process.stdout.write(list.wallets.map(describeWallet).join('\n\n') + '\n');
    },
  );

  withCommon(
    wallet
      .command('show')
      .description('show one wallet')
      .requiredOption('--name <name>', 'wallet name'),
  ).action(async (options: CommonOptions & { name: string }) => {
    const wallets = await openWallets(options);
    const shown = await wallets.show(options.name);
    if (options.json) printJson(walletJson(shown));
    else process.stdout.write(describeWallet(shown) + '\n');
  });

  withCommon(
    wallet
      .command('new-hotkey')
      .description('derive the next hotkey of a wallet')
      .requiredOption('--name <name>', 'wallet name')
      .option('--hotkey-name <name>', 'a name for the hotkey'),
    true,
  ).action(async (options: CommonOptions & { name: string; hotkeyName?: string }) => {
    const wallets = await openWallets(options);
    const password = await readPassword({ passwordFile: options.passwordFile });
    const hotkey = await wallets.newHotkey(options.name, {
      password,
      hotkeyName: options.hotkeyName,
    });
    if (options.json) printJson(hotkeyJson(hotkey));
    else process.stdout.write(`New hotkey ${hotkey.name} (#${hotkey.index}): ${hotkey.address}\n`);
  });
}
