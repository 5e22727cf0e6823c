#!/usr/bin/env node
// The `noesis` command. The node runs on the Node.js major that Electron embeds (24); the
// TypeScript sources run through Node's built-in type stripping, so there is no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `noesis: needs Node.js 24 or later (this is ${process.version}); ` +
      'run it through `npx noesis` or `npm start` inside the project, which use the pinned Node.\n',
  );
  process.exit(1);
}
const { main } = await import('../electron/node/cli/main.ts');
await main(process.argv);
