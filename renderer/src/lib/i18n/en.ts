/**
 * English messages: the reference catalogue. Every user-facing string of the renderer comes from
 * here through `t(key, params)`; `{name}` placeholders are filled from params. Other locales
 * must have exactly these keys (the type of `fr.ts` enforces it).
 */
export const en = {
  'app.name': 'Noesis',
  'app.tagline': 'Node manager',
  'a11y.skipToContent': 'Skip to content',
  'a11y.mainNav': 'Main',

  'nav.node': 'Node',
  'nav.models': 'Models',
  'nav.earnings': 'Earnings',
  'nav.wallet': 'Wallet',
  'nav.governance': 'Governance',
  'nav.explorer': 'Explorer',
  'nav.logs': 'Logs',
  'nav.settings': 'Settings',

  'connection.lost.title': 'Connection to the node lost.',
  'connection.lost.body':
    'Reconnecting… What you see may be out of date until the connection is back.',
  'connection.noToken.title': 'This page has no access token.',
  'connection.noToken.body':
    'Open the full address printed by “noesis start” (it ends with ?token=…). The token keeps other sites from controlling your node.',
  'connection.sidebar.connecting': 'Connecting to the node…',
  'connection.sidebar.lost': 'Not connected',

  'state.stopped': 'Stopped',
  'state.starting': 'Starting…',
  'state.running': 'Running',
  'state.stopping': 'Stopping…',
  'state.error': 'Failed',
  'state.unknown': 'Unknown',

  'node.title': 'Node',
  'node.intro':
    'Your node joins the network, serves tasks with your models and earns for the work it does.',
  'node.statusLabel': 'Node status',
  'node.loading': 'Asking the node for its status…',
  'node.since': 'Since {time} ({relative})',
  'node.unknownBecauseDisconnected':
    'The app cannot reach the node, so its current state is unknown. Last known: {state}, {relative}.',
  'node.start': 'Start node',
  'node.stop': 'Stop node',
  'node.starting': 'Starting…',
  'node.stopping': 'Stopping…',
  'node.lastStop.heading': 'Last stop',
  'node.lastStop.none': 'The node has not been stopped since it was set up.',
  'node.lastStop.user': 'You stopped it on {time}.',
  'node.lastStop.shutdown': 'It stopped when the app was closed on {time}.',
  'node.lastStop.crash':
    'It stopped unexpectedly around {time} (the app or computer quit without an orderly stop).',
  'node.error.heading': 'Why the node failed',
  'node.services.heading': 'Services',
  'node.services.none':
    'No services run inside the node yet. Networking, the chain and model serving will appear here, each with its own state, as they are added.',
  'node.services.name': 'Service',
  'node.services.state': 'State',
  'node.services.detail': 'Details',
  'node.actionFailed': 'Could not {action} the node: {reason}',
  'node.action.start': 'start',
  'node.action.stop': 'stop',

  'models.title': 'Models',
  'models.intro':
    'Models are the machine-learning models your node serves to the network when it mines.',
  'models.soon': 'This page will show:',
  'models.item1': 'The catalogue of models this network accepts, with their size and memory needs.',
  'models.item2':
    'Downloads that resume after a restart and are checked (size, then SHA-256) before use.',
  'models.item3': 'Whether each model runs on your GPU, and why not when it does not.',

  'earnings.title': 'Earnings',
  'earnings.intro': 'Earnings are the TAO your keys receive for mining and validating.',
  'earnings.soon': 'This page will show:',
  'earnings.item1': 'What you earned per epoch and per key, read from the chain itself.',
  'earnings.item2': 'Pending rewards beside paid ones.',
  'earnings.item3': 'Why an amount is zero, in plain words (for example, not registered yet).',

  'wallet.title': 'Wallet',
  'wallet.intro': 'Your wallet holds the keys that own your TAO and identify your node.',
  'wallet.soon': 'This page will show:',
  'wallet.item1': 'Your coldkey and hotkey addresses and balances.',
  'wallet.item2': 'Transfers and stakes, each confirmed in a separate window before it is signed.',
  'wallet.item3': 'Creating, importing and backing up keys. Secret keys never leave the node.',

  'governance.title': 'Governance',
  'governance.intro': 'Governance is how stakeholders propose and decide changes to the network.',
  'governance.soon': 'This page will show:',
  'governance.item1': 'Open proposals with what each one would change.',
  'governance.item2': 'Your vote and the current tally.',
  'governance.item3': 'Past decisions and when they took effect.',

  'explorer.title': 'Explorer',
  'explorer.intro': 'The explorer lets you look through the chain your node keeps.',
  'explorer.soon': 'This page will show:',
  'explorer.item1': 'Recent blocks and the transactions in them.',
  'explorer.item2': 'Search by block number, transaction or address.',
  'explorer.item3': 'Subnets, their miners and validators.',

  'time.justNow': 'just now',

  'placeholder.notYet': 'Not available yet: no data is shown here until this feature is built.',

  'logs.title': 'Logs',
  'logs.intro': 'What the node is doing, newest at the bottom.',
  'logs.level': 'Show',
  'logs.level.all': 'Everything (including debug)',
  'logs.level.info': 'Information and above',
  'logs.level.warn': 'Warnings and errors',
  'logs.level.error': 'Errors only',
  'logs.follow': 'Follow new lines',
  'logs.listLabel': 'Log lines',
  'logs.empty': 'No log lines at this level yet.',
  'logs.loading': 'Loading recent log lines…',
  'logs.loadFailed': 'Could not load the log: {reason}',
  'logs.count': '{shown} of {total} lines shown',
  'logs.col.time': 'Time',
  'logs.col.level': 'Level',
  'logs.col.module': 'Part',
  'logs.col.message': 'Message',
  'logs.levelName.trace': 'trace',
  'logs.levelName.debug': 'debug',
  'logs.levelName.info': 'info',
  'logs.levelName.warn': 'warning',
  'logs.levelName.error': 'error',
  'logs.levelName.fatal': 'fatal',

  'settings.title': 'Settings',
  'settings.appearance': 'Appearance',
  'settings.language': 'Language',
  'settings.language.en': 'English',
  'settings.language.fr': 'Français',
  'settings.theme': 'Theme',
  'settings.theme.system': 'Same as the system',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',
  'settings.about': 'About this app',
  'settings.version': 'Version',
  'settings.mode': 'Running as',
  'settings.mode.electron': 'Desktop app',
  'settings.mode.web': 'Web page served by a headless node',
  'settings.dataDir': 'Data folder',
  'settings.platform': 'System',
  'settings.transport': 'Connection',
  'settings.transport.ipc': 'Inside the desktop app',
  'settings.transport.http': 'HTTP and WebSocket on this computer',
  'settings.infoLoading': 'Loading…',
  'settings.infoFailed': 'Could not read app information: {reason}',

  'errors.API_UNAUTHORIZED':
    'the node refused the access token. Open the address printed by “noesis start” again.',
  'errors.API_FORBIDDEN_ORIGIN': 'the node refused a request from this page’s address.',
  'errors.API_BAD_INPUT': 'the request was not valid ({message}).',
  'errors.API_BAD_JSON': 'the request was not valid.',
  'errors.API_UNKNOWN_METHOD': 'this version of the node does not know that action.',
  'errors.API_INTERNAL': 'the node hit an internal error. The Logs page has the details.',
  'errors.NODE_SERVICE_START_FAILED': 'a part of the node failed to start: {message}',
  'errors.CLIENT_UNREACHABLE': 'the node cannot be reached. Is it still running?',
  'errors.CLIENT_BAD_RESPONSE': 'the node sent an answer the app does not understand.',
  'errors.CLIENT_NO_TOKEN': 'this page has no access token.',
  'errors.IPC_FAILED': 'the desktop app could not pass the request to the node ({message}).',
  'errors.unknown': 'something went wrong ({message}).',
} satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
