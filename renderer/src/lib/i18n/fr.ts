/** French messages. Same keys as `en.ts`: the `Messages` type refuses a missing or extra key. */
import type { Messages } from './en.ts';

export const fr: Messages = {
  'app.name': 'Noesis',
  'app.tagline': 'Gestionnaire de nœud',
  'a11y.skipToContent': 'Aller au contenu',
  'a11y.mainNav': 'Principale',

  'nav.node': 'Nœud',
  'nav.models': 'Modèles',
  'nav.earnings': 'Gains',
  'nav.wallet': 'Portefeuille',
  'nav.governance': 'Gouvernance',
  'nav.explorer': 'Explorateur',
  'nav.logs': 'Journal',
  'nav.settings': 'Réglages',

  'connection.lost.title': 'Connexion au nœud perdue.',
  'connection.lost.body':
    'Reconnexion en cours… Ce que vous voyez peut être dépassé jusqu’au retour de la connexion.',
  'connection.noToken.title': 'Cette page n’a pas de jeton d’accès.',
  'connection.noToken.body':
    'Ouvrez l’adresse complète affichée par « noesis start » (elle se termine par ?token=…). Le jeton empêche d’autres sites de piloter votre nœud.',
  'connection.sidebar.connecting': 'Connexion au nœud…',
  'connection.sidebar.lost': 'Non connecté',

  'state.stopped': 'Arrêté',
  'state.starting': 'Démarrage…',
  'state.running': 'En marche',
  'state.stopping': 'Arrêt en cours…',
  'state.error': 'En échec',
  'state.unknown': 'Inconnu',

  'node.title': 'Nœud',
  'node.intro':
    'Votre nœud rejoint le réseau, traite des tâches avec vos modèles et est rémunéré pour son travail.',
  'node.statusLabel': 'État du nœud',
  'node.loading': 'Lecture de l’état du nœud…',
  'node.since': 'Depuis {time} ({relative})',
  'node.unknownBecauseDisconnected':
    'L’application ne joint plus le nœud : son état actuel est inconnu. Dernier état connu : {state}, {relative}.',
  'node.start': 'Démarrer le nœud',
  'node.stop': 'Arrêter le nœud',
  'node.starting': 'Démarrage…',
  'node.stopping': 'Arrêt…',
  'node.lastStop.heading': 'Dernier arrêt',
  'node.lastStop.none': 'Le nœud n’a pas été arrêté depuis son installation.',
  'node.lastStop.user': 'Vous l’avez arrêté le {time}.',
  'node.lastStop.shutdown': 'Il s’est arrêté à la fermeture de l’application le {time}.',
  'node.lastStop.crash':
    'Il s’est arrêté de façon inattendue vers {time} (l’application ou l’ordinateur s’est fermé sans arrêt propre).',
  'node.error.heading': 'Pourquoi le nœud a échoué',
  'node.services.heading': 'Services',
  'node.services.none':
    'Aucun service ne tourne encore dans le nœud. Le réseau, la chaîne et le service des modèles apparaîtront ici, chacun avec son état, à mesure qu’ils seront ajoutés.',
  'node.services.name': 'Service',
  'node.services.state': 'État',
  'node.services.detail': 'Détails',
  'node.actionFailed': 'Impossible de {action} le nœud : {reason}',
  'node.action.start': 'démarrer',
  'node.action.stop': 'arrêter',

  'models.title': 'Modèles',
  'models.intro':
    'Les modèles sont les modèles d’apprentissage automatique que votre nœud sert au réseau quand il mine.',
  'models.soon': 'Cette page montrera :',
  'models.item1':
    'Le catalogue des modèles acceptés par ce réseau, avec leur taille et la mémoire requise.',
  'models.item2':
    'Des téléchargements qui reprennent après un redémarrage et sont vérifiés (taille, puis SHA-256) avant usage.',
  'models.item3': 'Si chaque modèle tourne sur votre GPU, et pourquoi quand ce n’est pas le cas.',

  'earnings.title': 'Gains',
  'earnings.intro': 'Les gains sont les TAO que reçoivent vos clés pour miner et valider.',
  'earnings.soon': 'Cette page montrera :',
  'earnings.item1': 'Ce que vous avez gagné par époque et par clé, lu sur la chaîne elle-même.',
  'earnings.item2': 'Les récompenses en attente à côté de celles déjà versées.',
  'earnings.item3':
    'Pourquoi un montant est nul, en termes simples (par exemple, pas encore inscrit).',

  'wallet.title': 'Portefeuille',
  'wallet.intro':
    'Votre portefeuille contient les clés qui possèdent vos TAO et identifient votre nœud.',
  'wallet.soon': 'Cette page montrera :',
  'wallet.item1': 'Les adresses et soldes de votre coldkey et de votre hotkey.',
  'wallet.item2':
    'Les transferts et mises en jeu, chacun confirmé dans une fenêtre à part avant signature.',
  'wallet.item3':
    'La création, l’import et la sauvegarde des clés. Les clés secrètes ne quittent jamais le nœud.',

  'governance.title': 'Gouvernance',
  'governance.intro':
    'La gouvernance permet aux détenteurs de proposer et de décider des changements du réseau.',
  'governance.soon': 'Cette page montrera :',
  'governance.item1': 'Les propositions ouvertes et ce que chacune changerait.',
  'governance.item2': 'Votre vote et le décompte en cours.',
  'governance.item3': 'Les décisions passées et leur date d’effet.',

  'explorer.title': 'Explorateur',
  'explorer.intro': 'L’explorateur permet de parcourir la chaîne que garde votre nœud.',
  'explorer.soon': 'Cette page montrera :',
  'explorer.item1': 'Les blocs récents et leurs transactions.',
  'explorer.item2': 'La recherche par numéro de bloc, transaction ou adresse.',
  'explorer.item3': 'Les sous-réseaux, leurs mineurs et leurs validateurs.',

  'time.justNow': 'à l’instant',

  'placeholder.notYet':
    'Pas encore disponible : aucune donnée n’est affichée ici tant que cette fonction n’existe pas.',

  'logs.title': 'Journal',
  'logs.intro': 'Ce que fait le nœud, le plus récent en bas.',
  'logs.level': 'Afficher',
  'logs.level.all': 'Tout (débogage compris)',
  'logs.level.info': 'Informations et au-delà',
  'logs.level.warn': 'Avertissements et erreurs',
  'logs.level.error': 'Erreurs seulement',
  'logs.follow': 'Suivre les nouvelles lignes',
  'logs.listLabel': 'Lignes du journal',
  'logs.empty': 'Aucune ligne à ce niveau pour l’instant.',
  'logs.loading': 'Chargement des lignes récentes…',
  'logs.loadFailed': 'Impossible de charger le journal : {reason}',
  'logs.count': '{shown} lignes affichées sur {total}',
  'logs.col.time': 'Heure',
  'logs.col.level': 'Niveau',
  'logs.col.module': 'Partie',
  'logs.col.message': 'Message',
  'logs.levelName.trace': 'trace',
  'logs.levelName.debug': 'débogage',
  'logs.levelName.info': 'info',
  'logs.levelName.warn': 'avertissement',
  'logs.levelName.error': 'erreur',
  'logs.levelName.fatal': 'fatale',

  'settings.title': 'Réglages',
  'settings.appearance': 'Apparence',
  'settings.language': 'Langue',
  'settings.language.en': 'English',
  'settings.language.fr': 'Français',
  'settings.theme': 'Thème',
  'settings.theme.system': 'Comme le système',
  'settings.theme.light': 'Clair',
  'settings.theme.dark': 'Sombre',
  'settings.about': 'À propos de l’application',
  'settings.version': 'Version',
  'settings.mode': 'Mode',
  'settings.mode.electron': 'Application de bureau',
  'settings.mode.web': 'Page web servie par un nœud sans interface',
  'settings.dataDir': 'Dossier de données',
  'settings.platform': 'Système',
  'settings.transport': 'Connexion',
  'settings.transport.ipc': 'Dans l’application de bureau',
  'settings.transport.http': 'HTTP et WebSocket sur cet ordinateur',
  'settings.infoLoading': 'Chargement…',
  'settings.infoFailed': 'Impossible de lire les informations de l’application : {reason}',

  'errors.API_UNAUTHORIZED':
    'le nœud a refusé le jeton d’accès. Rouvrez l’adresse affichée par « noesis start ».',
  'errors.API_FORBIDDEN_ORIGIN': 'le nœud a refusé une requête venant de l’adresse de cette page.',
  'errors.API_BAD_INPUT': 'la requête n’était pas valide ({message}).',
  'errors.API_BAD_JSON': 'la requête n’était pas valide.',
  'errors.API_UNKNOWN_METHOD': 'cette version du nœud ne connaît pas cette action.',
  'errors.API_INTERNAL': 'le nœud a rencontré une erreur interne. Le journal en donne le détail.',
  'errors.NODE_SERVICE_START_FAILED': 'une partie du nœud n’a pas démarré : {message}',
  'errors.CLIENT_UNREACHABLE': 'le nœud est injoignable. Tourne-t-il encore ?',
  'errors.CLIENT_BAD_RESPONSE': 'le nœud a envoyé une réponse que l’application ne comprend pas.',
  'errors.CLIENT_NO_TOKEN': 'cette page n’a pas de jeton d’accès.',
  'errors.IPC_FAILED':
    'l’application de bureau n’a pas pu transmettre la requête au nœud ({message}).',
  'errors.unknown': 'une erreur est survenue ({message}).',
};
