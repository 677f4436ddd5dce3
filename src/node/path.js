'use strict';
// node:path: the POSIX path module of the `path-browserify` npm package
// (MIT; Node's own path.posix of v8) with what Node added since. Workers
// has no file system: resolve() resolves against process.cwd() ('/bundle').
// path.win32 is absent.

const posix = require('path-browserify/index.js');

posix.toNamespacedPath = (p) => p;
posix.posix = posix;
delete posix.win32;
delete posix._makeLong;

module.exports = posix;
