// Next's polyfill-module patches String.prototype.trimStart, Array.prototype.at, Object.hasOwn
// and the like, which every browser Next 16 supports (Chrome/Edge 111, Firefox 111,
// Safari 16.4) already has: next.config.ts aliases it to this empty module.
