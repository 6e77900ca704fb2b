// eslint over the pages' scripts and these end-to-end scripts; from the repository root (as .ci/run does):
//   npx --prefix e2e eslint -c e2e/eslint.config.mjs assets e2e/*.mjs
//
// assets/*.js are classic browser scripts in ES5 syntax, as the pages always had them (WeChat's in-app browser
// runs them without a build step); they share what assets/app.js puts on `window.rollcall`. The e2e scripts are
// Node modules whose callbacks to page.evaluate run in the browser, so they see both sets of globals.
import js from '@eslint/js';
import globals from 'globals';

export default [
  // Vendored third-party code (htmx), kept byte for byte as published.
  { ignores: ['assets/vendor/**'] },
  js.configs.recommended,
  {
    files: ['assets/**/*.js'],
    languageOptions: {
      ecmaVersion: 5,
      sourceType: 'script',
      globals: { ...globals.browser, Promise: 'readonly', Uint8Array: 'readonly' },
    },
    rules: {
      strict: ['error', 'function'],
    },
  },
  {
    files: ['e2e/**/*.mjs'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
  },
];
