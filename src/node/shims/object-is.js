'use strict';
// For the assert package: the built-in instead of the es-shims polyfill.
module.exports = Object.is;
module.exports.shim = () => Object.is;
