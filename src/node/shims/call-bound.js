'use strict';
// For the assert package: callBound('RegExp.prototype.test') and the like,
// over the built-ins.
module.exports = function callBound(name) {
  const path = name.replace(/^%|%$/g, '').split('.');
  let value = globalThis;
  for (const part of path) value = value[part];
  return (thisArg, ...args) => Reflect.apply(value, thisArg, args);
};
