'use strict';
// node:assert and node:assert/strict: the `assert` npm package (MIT; Node's
// own assert of v12–14), over node:util's inspect and types here.
module.exports = require('assert/build/assert.js');
