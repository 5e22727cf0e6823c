/** `npm run docs:api`: regenerates the method table of docs/api.md from the API contract. */
import { readFileSync, writeFileSync } from 'node:fs';
import { updateApiDoc } from '../electron/node/api/reference.ts';

const file = new URL('../docs/api.md', import.meta.url);
writeFileSync(file, updateApiDoc(readFileSync(file, 'utf8')));
console.log('docs/api.md: method table regenerated');
