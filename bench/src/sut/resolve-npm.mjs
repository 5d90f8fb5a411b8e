// `node --import ./resolve-npm.mjs apps/server/dist/main.js`: see resolve-hooks.mjs.
import { register } from 'node:module';

register('./resolve-hooks.mjs', import.meta.url);
