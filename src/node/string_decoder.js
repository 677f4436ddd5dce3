'use strict';
// node:string_decoder: the `string_decoder` npm package (MIT; Node's own).
module.exports = require('string_decoder/lib/string_decoder.js');
