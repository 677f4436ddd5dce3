'use strict';
module.exports = () => Object.is;
