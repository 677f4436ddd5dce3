// node:zlib cases, run inside the verge binary by test_node_crypto_zlib.py,
// after harness.js. The expected bytes E were computed with Node 20's zlib
// and brotli when the cases were written, on a text where Node's zlib
// (Chromium's) and stock zlib agree byte for byte (checked then, option by
// option); those cases pass under Node itself too. S are stock zlib's on a
// longer text, where Chromium's zlib finds other matches (both decode
// alike): under Node those cases fail, in verge they must pass.
const E = {
 "l0": "780101dc0523fa68656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c642068656c6c6f2068656c6c6f2068656c6c6f20776f726c64206162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a6162636465666768696a61683399",
 "l1": "7801cb48cdc9c957c84022cbf38b7252504420b2a3e2a3e1309a4e904360343d2087067dca87c4a4e494d4b4f48cccac5116a130000061683399",
 "l9": "78dacb48cdc9c957c84022cbf38b7252504446c547c547c547c50783786252724a6a5a7a4666d6288b100b0061683399",
 "huff": "780105c1c10980401443c156d29afaa3511e04f6b2ed3b134315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46c7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27e3f61683399",
 "rle": "780105c1c10980401443c156d29afaa3511e04f6b2ed3b134315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46315431543154bb8b510c550c550cd5ee62144315431543b5bb18c550c550c550ed2e46c7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27ec7798def27ef779cd7f87ef27e3f61683399",
 "fixed": "7801cb48cdc9c957c84022cbf38b7252504446c547c547c547c50783786252724a6a5a7a4666d6288b100b0061683399",
 "mem1": "789ccb48cdc9c957c84022cbf38b7252504446c547c547c547c50783786252724a6a5a7a4666d6288b100b0061683399",
 "wb9": "1895cb48cdc9c957c84022cbf38b7252504446c547c547c547c50783786252724a6a5a7a4666d6288b100b0061683399",
 "gz1": "1f8b0800000000000403cb48cdc9c957c84022cbf38b7252504420b2a3e2a3e1309a4e904360343d2087067dca87c4a4e494d4b4f48cccac5116a130000062d8eb28dc050000",
 "raw9": "cb48cdc9c957c84022cbf38b7252504446c547c547c547c50783786252724a6a5a7a4666d6288b100b00",
 "dict": "78bb1a4313e5cb48cdc9c9574026cbf38b72521446c547c547c547c5079b786252724a6a5a7a4666d6288b100b0061683399",
 "rawDict": "cb48cdc9c9574026cbf38b72521446c547c547c547c5079b786252724a6a5a7a4666d6288b100b00",
 "br5": "1bdb0500448563a463ad670f928c6303ea63aa3c3c2d40490ab4e1524ef5ecbd01",
 "brText": "13db0500448563a463ad670f928c6303ea63aa3c3c2d40490ab4e1524ef5ecbd01",
 "flushPrefix": "789cca48cdc9c957c84022cbf38b7252504446c52124000000ffff",
 "fullFlushPrefix": "ca48cdc9c957c84022cbf38b7252504446c52124000000ffff",
 "brFlushPrefix": "8b9500000436c6d6f51fa12194c0c4b3581ed51ab30ebef677d20c",
 "params": "7801ca48cdc9c957c84022cbf38b7252504420b2a3e2c3251c00000000ffff1b8ddf51f1a12a9e98949c929a969e919935ca22c4020061683399",
};

// The same operations on a longer text with stock zlib (Python's zlib module
// over libz 1.2.13, the library verge links): Node bundles Chromium's zlib,
// whose matches differ on this text (both decode alike).
const S = {
 "l1": "7801ed96d90dc3300c4357e10045d0fbd8219f5dc075d454ad6d39b6dc6bfa66887eea9b800410d2237b2914c1b9b6884182145456b848ba809754c92b692b700367ae9ed3080aac1dce37c2d4d83f7029f24ab8ca1bf71673853ca9406739b8ef671e3a62b95a6fb6bbfde178ead0db42b3d48ec6dec248632cb5b4b03cfc7fc550c7e107d33a1620",
 "l9": "78daedcdc911c2300c46e156fe02980cfbd2438e34601c1104b6e5d8325bf5a4088e3abf99f7f5522882736d11830429a8ac709174012fa99257d256e006ce5c3da71114583b9c6f84a9b17fe052e495709537ee2de60a795281ce39b8ef679e8e58aed69bed6e7f389e3af4061a68a081061a68a081ff07d571f801d33a1620",
 "fixed": "7801f3c92f4acd55c82c282ecd5548c9cfc92f5228ce2c5148cc4d2dd15148cecf2b4e4d2e492d292d52484cc92cc82c4ececc4b5748cdc92cd15308c94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae7245655020d4d573030343236313533b7b0d453f019b570d4c2510b472d1cb570d4c2510b472da4be852589993900d33a1620",
 "mem1": "789cedcdc911c2300c46e156fe02980cfbd2438e34601c1104b6e5d8325bf5a4088e3abf99f7f5522882736d11830429a8ac709174012fa99257d256e006ce5c3da71114583b9c6f84a9b17fe052e495709537ee2de60a795281ce39b8ef679e8e58aed69bed6e7f389e3af4061a68a081061a68a081ff07d571f801d33a1620",
 "wb9": "1895edcdc911c2300c46e156fe02980cfbd2438e34601c1104b6e5d8325bf5a4088e3abf99f7f5522882736d11830429a8ac709174012fa99257d256e006ce5c3da71114583b9c6f84a9b17fe052e495709537ee2de60a795281ce39b8ef679e8e58aed69bed6e7f389e3af4061a68a081061a68a081ff07d571f801d33a1620",
 "gz1": "1f8b0800000000000403ed96d90dc3300c4357e10045d0fbd8219f5dc075d454ad6d39b6dc6bfa66887eea9b800410d2237b2914c1b9b6884182145456b848ba809754c92b692b700367ae9ed3080aac1dce37c2d4d83f7029f24ab8ca1bf71673853ca9406739b8ef671e3a62b95a6fb6bbfde178ead0db42b3d48ec6dec248632cb5b4b03cfc7fc550c7e1073d8deeffd8080000",
 "raw9": "edcdc911c2300c46e156fe02980cfbd2438e34601c1104b6e5d8325bf5a4088e3abf99f7f5522882736d11830429a8ac709174012fa99257d256e006ce5c3da71114583b9c6f84a9b17fe052e495709537ee2de60a795281ce39b8ef679e8e58aed69bed6e7f389e3af4061a68a081061a68a081ff07d571f801",
 "dict": "78bb1a4313e5f3c92f4acd55c82c282ecd057273f28b148a81aa1373534b741492719ba7a71092918a616856696e41b1427e596a914209501a66878281a191b189a999b985a59ec2a885a3168e5a386ae1a885a3168e5a386a210d2c2c49cccc0100d33a1620",
 "rawDict": "f3c92f4acd55c82c282ecd057273f28b148a81aa1373534b741492719ba7a71092918a616856696e41b1427e596a914209501a66878281a191b189a999b985a59ec2a885a3168e5a386ae1a885a3168e5a386a210d2c2c49cccc0100",
 "flushPrefix": "789cd4cdd911c2300c45d1565e014c867de9219f34601c1104b6e548325bf5a40dbeefccb9bd286570b59631481285b12364f205a214a3e8e44d1106ae6c91cb084aec1dce37c2d4383e705179155ce58d7bcbd5204f52f89c53f87e6674c472b5de6c77fbc3f1d4a1ffdfe10f0000ffff",
 "flushedWhole": "1f8b08000000000000030ccc511245300c05d0addc05182bf1690355e185b6a924f5b07abecfcc19442983abb58c5992288c1d21937788528ca293374598b9b2452e2b28b1f7187f84a371dc31a9fc0b16b9b0b55c0d7292c23f4ee1b9bf747d010000ffff523030343236313533b7b0d453f0a18d8500000000ffffedcdcb11c2300c45d1565e014c865ff8f4c092068c2382c0b68c2d43a07a52060badefcc3dd01b21b8ef07838c58aed69b6dbfdb1f8e1d4e522882736d716e410a2a2b5c245dc04baae495b415b8813357cf690405d60ee7f9f86cec1fb81479275c65c2bdc55c212f2a30d040030d34d04003ff0954c7e1073d8deeffd8080000"
};

function caseRunner(zlib, Buffer) {
  const { t, eq, deepEq, throws, run } = caseHarness();
  const C = zlib.constants;
  const text = Buffer.from('hello hello hello world '.repeat(50) + 'abcdefghij'.repeat(30));
  const long = Buffer.from(('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ' + 'The quick brown fox jumps over the lazy dog 0123456789. ').repeat(20) + 'tail');
  const dict = Buffer.from('consectetur adipiscing elit quick brown fox lazy dog');
  const hex = (b) => Buffer.from(b).toString('hex');

  const known = [
    ['level 0', 'l0', () => zlib.deflateSync(text, { level: 0 })],
    ['level 1', 'l1', () => zlib.deflateSync(text, { level: 1 })],
    ['level 9', 'l9', () => zlib.deflateSync(text, { level: 9 })],
    ['Z_HUFFMAN_ONLY', 'huff', () => zlib.deflateSync(text, { strategy: C.Z_HUFFMAN_ONLY })],
    ['Z_RLE', 'rle', () => zlib.deflateSync(text, { strategy: C.Z_RLE })],
    ['Z_FIXED at level 4', 'fixed', () => zlib.deflateSync(text, { strategy: C.Z_FIXED, level: 4 })],
    ['memLevel 1', 'mem1', () => zlib.deflateSync(text, { memLevel: 1 })],
    ['windowBits 9', 'wb9', () => zlib.deflateSync(text, { windowBits: 9 })],
    ['gzip level 1', 'gz1', () => zlib.gzipSync(text, { level: 1 })],
    ['deflateRaw level 9', 'raw9', () => zlib.deflateRawSync(text, { level: 9 })],
    ['deflate with a dictionary', 'dict', () => zlib.deflateSync(text, { dictionary: dict })],
    ['deflateRaw with a dictionary', 'rawDict', () => zlib.deflateRawSync(text, { dictionary: dict })],
    ['brotli quality 5', 'br5', () => zlib.brotliCompressSync(text, { params: { [C.BROTLI_PARAM_QUALITY]: 5 } })],
    ['brotli quality 9, lgwin 18, text mode, size hint', 'brText', () => zlib.brotliCompressSync(text, { params: { [C.BROTLI_PARAM_QUALITY]: 9, [C.BROTLI_PARAM_LGWIN]: 18, [C.BROTLI_PARAM_MODE]: C.BROTLI_MODE_TEXT, [C.BROTLI_PARAM_SIZE_HINT]: text.length } })],
  ];
  for (const [name, key, fn] of known) {
    t(`${name}: output is Node's, byte for byte`, () => eq(hex(fn()), E[key]));
  }
  const prefix = (make, kind, input = text) => new Promise((resolve, reject) => {
    const d = make();
    const out = [];
    d.on('data', (x) => out.push(x));
    d.on('error', reject);
    d.write(input.subarray(0, 300));
    const done = () => resolve(Buffer.concat(out));
    if (kind === undefined) d.flush(done); else d.flush(kind, done);
  });
  const collect = (s, drive) => new Promise((resolve, reject) => {
    const out = [];
    s.on('data', (d) => out.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(Buffer.concat(out)));
    drive(s);
  });
  const stock = [
    ['level 1', 'l1', () => zlib.deflateSync(long, { level: 1 })],
    ['level 9', 'l9', () => zlib.deflateSync(long, { level: 9 })],
    ['Z_FIXED at level 4', 'fixed', () => zlib.deflateSync(long, { strategy: C.Z_FIXED, level: 4 })],
    ['memLevel 1', 'mem1', () => zlib.deflateSync(long, { memLevel: 1 })],
    ['windowBits 9', 'wb9', () => zlib.deflateSync(long, { windowBits: 9 })],
    ['gzip level 1', 'gz1', () => zlib.gzipSync(long, { level: 1 })],
    ['deflateRaw level 9', 'raw9', () => zlib.deflateRawSync(long, { level: 9 })],
    ['deflate with a dictionary', 'dict', () => zlib.deflateSync(long, { dictionary: dict })],
    ['deflateRaw with a dictionary', 'rawDict', () => zlib.deflateRawSync(long, { dictionary: dict })],
  ];
  for (const [name, key, fn] of stock) {
    t(`${name}, longer text: stock zlib's output`, () => {
      const out = fn();
      eq(hex(out), S[key]);
      const back = key.startsWith('raw') ? zlib.inflateRawSync(out, { dictionary: dict }) : key === 'gz1' ? zlib.gunzipSync(out) : zlib.inflateSync(out, { dictionary: dict });
      eq(back.toString(), long.toString());
    });
  }
  t('flushes on a longer text, between writes too: stock zlib\'s bytes in order, decodable', async () => {
    eq(hex(await prefix(() => zlib.createDeflate({ level: 6 }), C.Z_SYNC_FLUSH, long)), S.flushPrefix);
    const out = await collect(zlib.createGzip(), (d) => {
      d.write(long.subarray(0, 100));
      d.flush(C.Z_SYNC_FLUSH, () => { d.write(long.subarray(100, 200)); d.flush(C.Z_FULL_FLUSH, () => d.end(long.subarray(200))); });
    });
    eq(hex(out), S.flushedWhole);
    eq(zlib.gunzipSync(out).toString(), long.toString());
  });
  t('levels change the output', () => {
    if (E.l1 === E.l9 || E.l0 === E.l1) throw new Error('vectors do not differ');
    if (zlib.deflateSync(text, { level: 0 }).length <= text.length) throw new Error('level 0 stores');
  });
  t('a dictionary round-trips; without it inflate fails as Node', () => {
    eq(zlib.inflateSync(Buffer.from(E.dict, 'hex'), { dictionary: dict }).toString(), text.toString());
    eq(zlib.inflateRawSync(Buffer.from(E.rawDict, 'hex'), { dictionary: dict }).toString(), text.toString());
    throws(() => zlib.inflateSync(Buffer.from(E.dict, 'hex')), Error, 'Z_NEED_DICT', 'Missing dictionary');
    throws(() => zlib.inflateSync(Buffer.from(E.dict, 'hex'), { dictionary: Buffer.from('other') }), Error, 'Z_NEED_DICT', 'Bad dictionary');
  });
  t('brotli params round-trip', () => {
    eq(zlib.brotliDecompressSync(Buffer.from(E.brText, 'hex')).toString(), text.toString());
  });
  // Feeds `bytes` to a decompressor without ending it: what comes out.
  const decodePrefix = (make, bytes) => new Promise((resolve, reject) => {
    const d = make();
    const out = [];
    d.on('data', (x) => out.push(x));
    d.on('error', reject);
    d.write(bytes, () => setTimeout(() => resolve(Buffer.concat(out).toString()), 0));
  });
  t('flush(Z_SYNC_FLUSH) emits Node\'s bytes, a decodable prefix', async () => {
    const p = await prefix(() => zlib.createDeflate({ level: 6 }), C.Z_SYNC_FLUSH);
    eq(hex(p), E.flushPrefix);
    eq(await decodePrefix(() => zlib.createInflate(), p), text.subarray(0, 300).toString());
  });
  t('flush() of deflateRaw is Z_FULL_FLUSH: Node\'s bytes, decodable', async () => {
    const p = await prefix(() => zlib.createDeflateRaw());
    eq(hex(p), E.fullFlushPrefix);
    eq(await decodePrefix(() => zlib.createInflateRaw(), p), text.subarray(0, 300).toString());
  });
  t('brotli flush() emits Node\'s bytes, a decodable prefix', async () => {
    const p = await prefix(() => zlib.createBrotliCompress({ params: { [C.BROTLI_PARAM_QUALITY]: 4 } }));
    eq(hex(p), E.brFlushPrefix);
    eq(await decodePrefix(() => zlib.createBrotliDecompress(), p), text.subarray(0, 300).toString());
  });
  t('params(level, strategy) mid-stream: Node\'s bytes', async () => {
    const out = await collect(zlib.createDeflate({ level: 1 }), (d) => {
      d.write(text.subarray(0, 500));
      d.params(9, C.Z_DEFAULT_STRATEGY, () => { d.end(text.subarray(500)); });
    });
    eq(hex(out), E.params);
    eq(zlib.inflateSync(out).toString(), text.toString());
  });
  t('reset() starts the stream over', async () => {
    const out = await collect(zlib.createDeflate({ level: 9 }), (s) => {
      s.write(text.subarray(0, 50));
      s.flush(C.Z_SYNC_FLUSH, () => { s.reset(); s.end(text); });
    });
    // The flushed start of the first stream, then a whole new stream of `text`.
    const whole = Buffer.from(E.l9, 'hex');
    if (out.length <= whole.length) throw new Error('nothing before the reset');
    eq(hex(out.subarray(out.length - whole.length)), E.l9);
  });
  t('info: true gives { buffer, engine }', () => {
    const r = zlib.deflateSync(text, { info: true, level: 1 });
    eq(hex(r.buffer), E.l1);
    eq('engine' in r, true);
  });
  t('finishFlush and maxOutputLength of the one-shot functions', () => {
    eq(hex(zlib.deflateSync('hello', { finishFlush: C.Z_SYNC_FLUSH })), '789cca48cdc9c907000000ffff');
    const d = zlib.deflateSync('hello world hello world');
    eq(zlib.inflateSync(d.subarray(0, 10), { finishFlush: C.Z_SYNC_FLUSH }).toString(), 'hello w');
    eq(zlib.gunzipSync(zlib.gzipSync('hello world').subarray(0, 15), { finishFlush: C.Z_SYNC_FLUSH }).toString(), 'hell');
    throws(() => zlib.inflateSync(d.subarray(0, 10)), Error, 'Z_BUF_ERROR', 'unexpected end of file');
    throws(() => zlib.inflateSync(d, { maxOutputLength: 5 }), RangeError, 'ERR_BUFFER_TOO_LARGE', 'Cannot create a Buffer larger than 5 bytes');
    throws(() => zlib.brotliDecompressSync(zlib.brotliCompressSync('hello world hello'), { maxOutputLength: 3 }), RangeError, 'ERR_BUFFER_TOO_LARGE', 'Cannot create a Buffer larger than 3 bytes');
    eq(zlib.inflateSync(d, { maxOutputLength: 23 }).toString(), 'hello world hello world');
    throws(() => zlib.deflateSync('hello', { maxOutputLength: 0 }), RangeError, 'ERR_OUT_OF_RANGE');
  });
  t('option errors are Node\'s', () => {
    throws(() => zlib.deflateSync('a', { level: 10 }), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 10');
    throws(() => zlib.deflateSync('a', { level: 'x' }), TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.level" property must be of type number. Received type string (\'x\')');
    throws(() => zlib.deflateSync('a', { windowBits: 7 }), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 7');
    throws(() => zlib.deflateSync('a', { memLevel: 0 }), RangeError, 'ERR_OUT_OF_RANGE');
    throws(() => zlib.deflateSync('a', { strategy: 5 }), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "options.strategy" is out of range. It must be >= 0 and <= 4. Received 5');
    throws(() => zlib.deflateSync('a', { dictionary: 'abc' }), TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.dictionary" property must be an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received type string (\'abc\')');
    throws(() => zlib.brotliCompressSync('a', { params: { foo: 1 } }), RangeError, 'ERR_BROTLI_INVALID_PARAM', 'foo is not a valid Brotli parameter');
    throws(() => zlib.deflateSync('a', { chunkSize: 10 }), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "options.chunkSize" is out of range. It must be >= 64. Received 10');
  });

  return run;
}
