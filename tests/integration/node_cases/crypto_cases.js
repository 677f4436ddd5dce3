// node:crypto cases, run inside the verge binary by test_node_crypto_zlib.py, after harness.js (and,
// when they are written, under Node itself: every case passes there too).
// The expected values (E) were computed with Node 20 (OpenSSL 3) from the
// keys K when the cases were written; nothing here computes them again.
const K = {
 "rsaPkcs8": "-----BEGIN PRIVATE KEY-----\nMIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBALREc4daQ3CO8ygB\nNCz67MucwTlvZIL7voWgmrFh/5Hm4phOZE9HLJi0CrPBsrDPLcGDBT6/H1N3vZRd\ns1G+/ueQwct6akQP9LBp7m34yEufntBOLRuWU7kgs4iexgEMpPkY9gY1AR7K9Jpo\nJkc7BI8k2Bc0Mp+g9w6ATBqpAvQhAgMBAAECgYB115GWV+FiQXCfJDpRdS8645xE\nyZbxMVSY0iaN8rw5Sq+yVPyp/qMeqAOfAu6nOqh0qgvRuurli4844BALTkofSBl6\nYJ54Qgwp8U8apFUhtQRI10xwTxQcCq5sPQfNyKde9pkYd1r7AFzZOmit5lIkg17S\nokJRnzJHGzrVCzrz6QJBAPA1QuiPivGFyxWq/bzxMTQF99/ClBQ5QBjJPv72L1Nd\nTmAolARSyJV6U9oyyyrMHQCY4hgs1l+8GsfOlPjllj8CQQDAHmEYapUq4iyVYKic\nBbkv3da5jkC86Ua2g9CvPXnJT6cBXjNo0VCbnF+6Pd14Fd3xB4QrioaAAkdzmAQF\nOp2fAkBW7o+mZrycKBWVY+qshIWQFFDe1CaPIyEFV1/LGgGKpAwHVOgsoGEjZ8AN\nCbDpbjFY0/uPUDrNLuBqS2MyqLQ1AkB/v/O6o6z7LhiNYA/eZ+Pjk3UkQBaGR+xw\nkyhiTtO77I5V14kB6yXZw9rX4ilxn8DMdL4LofqcBmfy0qPhwj9rAkAqGQqjTUmk\nKKj8xKudk6xfCf6ZBkLooZw/4mz1DgcecWsACxU5o392qIKOT5/a6s6zKaM3O9H0\nXYY/blILx/Na\n-----END PRIVATE KEY-----\n",
 "ecPkcs8": "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtsdZINtJywhjxRT/\nVJp0f0pGt5AfQTPFnbmFI+zWsMyhRANCAAQR/XFoMi6YhX3rXEwheo0O7ssP403j\nI9hxU4iE+MLTpRHCjDR5MgXIeGQ/RHk0467MeUcSUj2P1uFU9ajTeDbn\n-----END PRIVATE KEY-----\n",
 "edPkcs8": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJUpS8P6MMrLT4GDMwnvVSxdDwQnBzdDMhqnTomGUJ5l\n-----END PRIVATE KEY-----\n",
 "x1Pkcs8": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIAgtgLLdQmnfCZiXc8UZiznhy8eLqMeDm2ukQZA9iGFy\n-----END PRIVATE KEY-----\n",
 "x2Pkcs8": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIPCsIPk3qtsr8JsN+Sf8ogbSVkL6BuPsxwk5zBpGaJVY\n-----END PRIVATE KEY-----\n"
};
const E = {
 "aes-128-cbc": {
  "ct": "089c2853f5e87cdcb0ed8f69c959a99d5b17698f26eb249097dddc4ca2acc24fce1cc52cf37de27e4ce6c1b5ff12f0d701f5589ce0ad80935a9e02654f41c61add79ca9b5d9e8f24581ec4fe9a08af6d"
 },
 "aes-192-cbc": {
  "ct": "63592f56735935bd0d81e58acee32335acfc46ba901182c7d249b878995c4fc004030af12c13c251e340f852f28982c532f2b146ad5fc4486b65659be227e4503bb75ecf5a8efb0b1043ed1c278ce184"
 },
 "aes-256-cbc": {
  "ct": "c360b25ef06eec8a4c42e20d90e4594ab34c5f923fa01e9c0d7a13ea9f0e9add421417a07670a8f762bc82e40c31c5d502db9207c62998cb125702e011f7d956bf81df469d3ee3751956ef94556ef0ef"
 },
 "aes-128-ctr": {
  "ct": "4366d833bf89e7b52aedbad3b1b288b8a877a678e3c9c8fed3c317109168998dd147d9436eec519e7f92059e681fc30001b4b17892c61661591f9ec2dc33de5c98054b"
 },
 "aes-256-ctr": {
  "ct": "a7f086c8e0cdc2f07b1a471b6b6827a545959e2a9da8e607fd19a54b897a1f67d8a2d5d53e28cb1ffdd31a35e44a36cd6080968460c29b77558e6672fe85ee2240cfa5"
 },
 "aes-128-ecb": {
  "ct": "6f2801dd454b6a52377651b9ad05087ecf34d37eafe05cdc17231ef63c66543d126141a2be5f56777f7483daec24c0e4e2e9036f96854ae01e064bd409e1f6c46a12278227b7cedba17b64b713a9c820"
 },
 "aes-256-ecb": {
  "ct": "c463a07d147a7f981aa3385ebab470a0cb2d66fb7af0b9bdbc069f4a1a6471406fcd9383eb4d9fa307d9c5fd6e438b915636db850bba7928616d8c95ca51fb0c257bc23c3a6bc45e71aa53bfe9b1a0fe"
 },
 "aes-128-gcm": {
  "ct": "9801f262e7d97d9b1e75ad94793614b484606de4c600c7c35d382ea7691ea4bd790be39eb40524bc0de5a6043d78cc2624bf14ab2569999b0738736eb03590f546a31d",
  "tag": "2e76fbb06e788bec558d464d46e3dc92"
 },
 "aes-256-gcm": {
  "ct": "4a5c0a96a47156b61ce4a204804144d6c373f55ddab56e645ea78a5c7e0beb0344c690abf902adae1879d8626f3feb8aec2597d59a4620ed92ea5b7bce1bc57f0dac6b",
  "tag": "843ca78b67a76acd3bc09afeea4d3cbe"
 },
 "aes-256-gcm-iv16-tag12": {
  "ct": "50e32177317267b3f1d94dd7fa1f35a515ed25371270b1f8cb0eba6968107628116bf0d4a4230183340d33e199be7ddfa03ed5a9b3345b2690bacc67f07b7c1b5adbea",
  "tag": "1c37e8d520e8728624e63de4"
 },
 "aes-128-ccm": {
  "ct": "bbfcd610430234f0d55033dcdf0753aa19774cb10362cd2cc9b1a6da0df905e5b78c6462b810744585d89158875e5d281db038d372f81a7e8e5831e09396cb6218a4d5",
  "tag": "a901e79ff5a25e52212cafc26a09805c"
 },
 "aes-256-ocb": {
  "ct": "d8ec2011d7f6e21882cea594e249b819a86fdb059539e06f5b1b6caaab2b8e736eed606969d71efd89ad110f780d38b36c0620f2e09cd93407329fdb9a1c3b9eac0c38",
  "tag": "e72cc6d5c3a7a1d724af5b8e7a258ac0"
 },
 "chacha20-poly1305": {
  "ct": "d9a7401e0680175d48a99e1360871723c0c4aed4bc2027f01edea692d606169e5d58cf5dfe3ac5437dbcb556966eb55694d678034c557b809b0a8fb15487136fd6f989",
  "tag": "32d7f58d1f51a74caaa74914d34f1737"
 },
 "aes-128-cbc-nopad": "089c2853f5e87cdcb0ed8f69c959a99d5b17698f26eb249097dddc4ca2acc24fce1cc52cf37de27e4ce6c1b5ff12f0d701f5589ce0ad80935a9e02654f41c61a",
 "b64": "zCYb6H3i88gj4hltHd7nUwF92GbCNmADKiRlM+2pWUGDP+VgnGe7fjJK8eQgS902",
 "rsaSpki": "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC0RHOHWkNwjvMoATQs+uzLnME5\nb2SC+76FoJqxYf+R5uKYTmRPRyyYtAqzwbKwzy3BgwU+vx9Td72UXbNRvv7nkMHL\nempED/Swae5t+MhLn57QTi0bllO5ILOInsYBDKT5GPYGNQEeyvSaaCZHOwSPJNgX\nNDKfoPcOgEwaqQL0IQIDAQAB\n-----END PUBLIC KEY-----\n",
 "rsaPkcs1": "-----BEGIN RSA PRIVATE KEY-----\nMIICWwIBAAKBgQC0RHOHWkNwjvMoATQs+uzLnME5b2SC+76FoJqxYf+R5uKYTmRP\nRyyYtAqzwbKwzy3BgwU+vx9Td72UXbNRvv7nkMHLempED/Swae5t+MhLn57QTi0b\nllO5ILOInsYBDKT5GPYGNQEeyvSaaCZHOwSPJNgXNDKfoPcOgEwaqQL0IQIDAQAB\nAoGAddeRllfhYkFwnyQ6UXUvOuOcRMmW8TFUmNImjfK8OUqvslT8qf6jHqgDnwLu\npzqodKoL0brq5YuPOOAQC05KH0gZemCeeEIMKfFPGqRVIbUESNdMcE8UHAqubD0H\nzcinXvaZGHda+wBc2TporeZSJINe0qJCUZ8yRxs61Qs68+kCQQDwNULoj4rxhcsV\nqv288TE0BfffwpQUOUAYyT7+9i9TXU5gKJQEUsiVelPaMssqzB0AmOIYLNZfvBrH\nzpT45ZY/AkEAwB5hGGqVKuIslWConAW5L93WuY5AvOlGtoPQrz15yU+nAV4zaNFQ\nm5xfuj3deBXd8QeEK4qGgAJHc5gEBTqdnwJAVu6Ppma8nCgVlWPqrISFkBRQ3tQm\njyMhBVdfyxoBiqQMB1ToLKBhI2fADQmw6W4xWNP7j1A6zS7gaktjMqi0NQJAf7/z\nuqOs+y4YjWAP3mfj45N1JEAWhkfscJMoYk7Tu+yOVdeJAesl2cPa1+IpcZ/AzHS+\nC6H6nAZn8tKj4cI/awJAKhkKo01JpCio/MSrnZOsXwn+mQZC6KGcP+Js9Q4HHnFr\nAAsVOaN/dqiCjk+f2urOsymjNzvR9F2GP25SC8fzWg==\n-----END RSA PRIVATE KEY-----\n",
 "rsaPubPkcs1": "-----BEGIN RSA PUBLIC KEY-----\nMIGJAoGBALREc4daQ3CO8ygBNCz67MucwTlvZIL7voWgmrFh/5Hm4phOZE9HLJi0\nCrPBsrDPLcGDBT6/H1N3vZRds1G+/ueQwct6akQP9LBp7m34yEufntBOLRuWU7kg\ns4iexgEMpPkY9gY1AR7K9JpoJkc7BI8k2Bc0Mp+g9w6ATBqpAvQhAgMBAAE=\n-----END RSA PUBLIC KEY-----\n",
 "rsaJwk": {
  "kty": "RSA",
  "n": "tERzh1pDcI7zKAE0LPrsy5zBOW9kgvu-haCasWH_kebimE5kT0csmLQKs8GysM8twYMFPr8fU3e9lF2zUb7-55DBy3pqRA_0sGnubfjIS5-e0E4tG5ZTuSCziJ7GAQyk-Rj2BjUBHsr0mmgmRzsEjyTYFzQyn6D3DoBMGqkC9CE",
  "e": "AQAB",
  "d": "ddeRllfhYkFwnyQ6UXUvOuOcRMmW8TFUmNImjfK8OUqvslT8qf6jHqgDnwLupzqodKoL0brq5YuPOOAQC05KH0gZemCeeEIMKfFPGqRVIbUESNdMcE8UHAqubD0HzcinXvaZGHda-wBc2TporeZSJINe0qJCUZ8yRxs61Qs68-k",
  "p": "8DVC6I-K8YXLFar9vPExNAX338KUFDlAGMk-_vYvU11OYCiUBFLIlXpT2jLLKswdAJjiGCzWX7wax86U-OWWPw",
  "q": "wB5hGGqVKuIslWConAW5L93WuY5AvOlGtoPQrz15yU-nAV4zaNFQm5xfuj3deBXd8QeEK4qGgAJHc5gEBTqdnw",
  "dp": "Vu6Ppma8nCgVlWPqrISFkBRQ3tQmjyMhBVdfyxoBiqQMB1ToLKBhI2fADQmw6W4xWNP7j1A6zS7gaktjMqi0NQ",
  "dq": "f7_zuqOs-y4YjWAP3mfj45N1JEAWhkfscJMoYk7Tu-yOVdeJAesl2cPa1-IpcZ_AzHS-C6H6nAZn8tKj4cI_aw",
  "qi": "KhkKo01JpCio_MSrnZOsXwn-mQZC6KGcP-Js9Q4HHnFrAAsVOaN_dqiCjk-f2urOsymjNzvR9F2GP25SC8fzWg"
 },
 "rsaSpkiDer": "30819f300d06092a864886f70d010101050003818d0030818902818100b44473875a43708ef32801342cfaeccb9cc1396f6482fbbe85a09ab161ff91e6e2984e644f472c98b40ab3c1b2b0cf2dc183053ebf1f5377bd945db351befee790c1cb7a6a440ff4b069ee6df8c84b9f9ed04e2d1b9653b920b3889ec6010ca4f918f60635011ecaf49a6826473b048f24d81734329fa0f70e804c1aa902f4210203010001",
 "ecSec1": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEILbHWSDbScsIY8UU/1SadH9KRreQH0EzxZ25hSPs1rDMoAoGCCqGSM49\nAwEHoUQDQgAEEf1xaDIumIV961xMIXqNDu7LD+NN4yPYcVOIhPjC06URwow0eTIF\nyHhkP0R5NOOuzHlHElI9j9bhVPWo03g25w==\n-----END EC PRIVATE KEY-----\n",
 "ecJwk": {
  "kty": "EC",
  "x": "Ef1xaDIumIV961xMIXqNDu7LD-NN4yPYcVOIhPjC06U",
  "y": "EcKMNHkyBch4ZD9EeTTjrsx5RxJSPY_W4VT1qNN4Nuc",
  "crv": "P-256",
  "d": "tsdZINtJywhjxRT_VJp0f0pGt5AfQTPFnbmFI-zWsMw"
 },
 "ecSpki": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEf1xaDIumIV961xMIXqNDu7LD+NN\n4yPYcVOIhPjC06URwow0eTIFyHhkP0R5NOOuzHlHElI9j9bhVPWo03g25w==\n-----END PUBLIC KEY-----\n",
 "edJwk": {
  "crv": "Ed25519",
  "d": "lSlLw_owystPgYMzCe9VLF0PBCcHN0MyGqdOiYZQnmU",
  "x": "hrgDsmYxWlL01xAP625x_x2ru6aE0c4OcwdgA90oqEo",
  "kty": "OKP"
 },
 "edSpki": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAhrgDsmYxWlL01xAP625x/x2ru6aE0c4OcwdgA90oqEo=\n-----END PUBLIC KEY-----\n",
 "rsaSigSha256": "545230128ecd1795c66f6e38b0fe86e645a542a2cc57101f95bc1b6e8baa567f6d87aa525ae237c24430a9d331e66c9602ec063dc835c5db32e14ec6cdec350612d44a858a100be9e07e8fd5b7226754f3d68554fd496f12b274d415e652e571d1c110343464bbb842cd9a1076b44d5406d88b204c16150a01d90f5f0c2eba01",
 "rsaSignSha1": "h4ZhqTOn7hQHDErUC0UgADGJ6RZyy3CXPkZUQqSxBlWD50aGvurV3/w3cwK9CCEyHdq6zyWzHq9FpSDqPPrm12OQlnT/pwEOA6MGWt30bP3qAfDArauliGpjiCEBhjsWyqTzSrJcG9hVGY+AsiWMrBXX7iDMdIR3qGJcgjHrVUY=",
 "rsaPssSig": "39182828e95755a5caa6a07dbc73e9f9b487d50ca8ba87f2540b78c4424548d3c83ef489f9f8997282802008ce37caa293847bfc23d7b43d30f2af6419de71246da874b96162bc5450334a0631b21a00651142ebbdfb34860aa470c0cb1b7e6753e694e187fd3e783b905f65170f229339fd69f2253a2f3181e43a341a9ac0a3",
 "edSig": "7345af925774ed82cbbc865c7d691b6c7f6f7ba65f751d03baad23f94ea2e1af7129f1bec1f68947d837f5cfbff9587e7cd5efece05ba460f2a786f0c8aab30e",
 "ecSigDer": "3045022034fdc5ab4dd447876993dc99ee6013ae8ac2cb07a376173849da661d9ab7ff1c022100b3235f9a0f843426668131a02a14a0c08a343dc393f851bea98f02036bd1cddb",
 "ecSigP1363": "d70c100a7e3c9308c0eb1af2aeda9f56f9749733d67fe2e55d96ef265c100ee028702ee17cb38d13acb269f501c752e04921b29bc53563983def52b0fd33239f",
 "oaepCt": "401255128b37cc4620ae05ea9285aa50f7dd096a91c8694db74818e83fa5b14e69f073c59361be6db7c67e6762de7b8a7658e84449fc39acc4ed52a10c85c55c641ad3a755e935911226f604eb180d0d10edf428a58f963c1a20c02a4975c480a2d5307e218e9039f190be6c90469eaf81e86d99cb7837afada52dedb31a563e",
 "oaep256Ct": "9e26daa80af2a3f85fd79893c5c45961d31b7513ba26770d30298424684266cc50f5b039bdb69e937c6735d2745832646ea4f33a882f86f3ba1488e763ec1b45575caf46dfa95e5019144737879ad0c77235f976997c7bc9f9f889e9cfeaae3140bb8b7eb7406f706a5b5c7e5c2a18ee5e0c42c426fe45c7c80fe2825a8c83e8",
 "privEnc": "4f7d4311b9b046ac15e68db41fe46689f18a7c1801a6944930b61c70910d42d75c7a11bfe292ca399b45607c4c4e70d1d7ce1c7f9af16ec681da7a8fb862ef570632568b50c4b7bb3b8584813631ebee14336b9f83674723cf884b0529a994d74fc55f6210cfde85c318ccb4e121fcdb1930b4058637737f00796d635df5f590",
 "x25519Secret": "3a7810f05e41a258f226226a559becc20184fa4bcab60f9e2f97a11e2e901352",
 "ecdhPriv1": "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da",
 "ecdhPriv2": "05121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98",
 "ecdhPub1": "04eb72df8d977165de80499532a268530cd607775d160ebb588832ff518697656147741e19ab55fe615232386b74224b7ef5fade207808b6cd13731cf5273f6402",
 "ecdhPub1c": "02eb72df8d977165de80499532a268530cd607775d160ebb588832ff5186976561",
 "ecdhSecret": "e47a6b966b8ee46bef3f2a3a34b874e8d26c7806960cef4e2614761c50f225ee",
 "secp256k1Pub": "BLN+NG5BYVWysPoongnKH3Cixv7X2nCpCAUgIZ8WEFDBJ8cpC/+DtIutSt7/xJDd+8j9hcpZLJGB2E0H1hGujvE=",
 "encPkcs8": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIC3TBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIVSmH/B+J6rUCAggA\nMAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBCuZBOBTvGR5yYEeGgrJS5dBIIC\ngIAfg8To8jX9SpjcDihLxfJBqLsoLgcH0XzYY8doiw6lZy5GowgdKCf07Tsku8dD\nCgy6/1qF7vJK8H44KDfl6OMPQ4BGZskDBoE0rORnTHON1x3t36hD8MGnj3+yUE8T\nPYGslEq4lXlUF27N8Vo62GsBjTUivlcktY/zy7uKBc/E1nFWkxzR83jE//Tx1r+F\nqFSCPBQL3cJKH1kdxcAjEYxuE9aS1BK6E2EUbX+dMunwzmMVpPifv/alIoaWe1+B\nLgCjkHtivto1jyUjO5pm/qrK4nI0VibmTtkh/9qNJZ4Rl2iC/2Q3HRDtBlrb6R4D\njbTs5grEMXvpCfH5T87cUXkb8EBM8XY6s1o9h6EQfcX8XElA5Ibkq0V+WBzsxg02\nUqBObbR9u72lAuTjoitwCFXbFx8Txi6TIXa624wo0u4lhIvcLnqiRVK/7mZ+GoPD\nFdf54aDEyuOCGysUd9fAxr/9v4V7ZSJs/O91u97LynkhUrPT0g0yda2Zd9bDo9+3\no3uZU/oLVUx/ffFM934zgjGKgSiGIGT7jpkP/m76vuu35vfB/7AjJsMD9kylSTR4\nKYcY76Zds6A+J31/EhELw1noeYuwXzkANRMqxVmlvCm+UcHo0iIY2bqjNcd61aIw\nZ/tHoKhqdBT0wESdCE+8WBlkIYSn5pUYvWmlzudI9b3uwmHZxo4GHDK9Iro5iY3p\nNQ2ZMffRbh3GaY+ypb3AIvvcv32GUbJB0w/9SQ85j5yQXaBcoWRd1m02/K0ZN9kQ\n5r8p2+FOuVaWEudC2siMlrbuUHiQwut+G59pwWlba6yLpq8lywW4MWHTlMTNjVrY\nyYg+f4gCYLZNISSKTi6qCIo=\n-----END ENCRYPTED PRIVATE KEY-----\n",
 "encPkcs1": "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,C083E1E6C1AE3E420390E98179B90BF7\n\npyr8BNTjcOYNPS6drDVrkoL6esmMCwO+/oRDnWNXrrzY/NlgKXqtECf6Ymw763xE\nGkaSYqeFbWCWt/t7sG2WkaibSweX1MeL+TQSIG7aSWBfqKWgXPFOA5Gy5TdRuqwD\naJSHLllQNuioQZGu3sKEEhJhsVRlpDoydrouPrAFFHAXeEiEJF39GdUa36y/eKqz\nCNrsgYfwGZEUqMzSHTm9DrCt7+WrPdnWVGlE8VR4J/wIsyHhWeFoudRDiVNfy1iV\nJw21Tb309aBcZZJ0DB6L36lv5Aq4EiGQJmTazau6ORLlx9HOhVhjqnrAxIDnvky2\neDVqnlTSdj397I/fBRhrN64zOqtRz0XHpatlHOYbXTFeiXor+d7sFNlKI6z9s3Bh\nl+LQfnMo0PjenxTROJmUdRDE1qDEL46ly4T5J+mHBhX+y0c0dkFJnCDmWBLNrSFA\nCCpNfMlF150h62jrDSq8R8WZ0ExCA6+CEVy6p2VgxS2d+m3jIO1aou8kjTBPSNTY\nodI0sJYUC0C9rS43UKV5A2cgFdaDwj26SPVgKXtgfOWGiCRM3OfFFWccyTEh2oJM\nbpQh/gWsAuAZ2TBuvhnIaJpWhoXW0Jp7Ru3z4QP2FZqmk/BpVHGo6JIDnlfJNHKx\n7wHkuyjLU6/sOV2CS8Z3w80MZGx93fe06jinc7s+J0UHlYV7/6bLPMQVMhrk5GIM\n+C9Wh63KbHVh7FW6AO0wlVxsIM9uMJ+ymTUOAZtgcgh4rvSfUI1ococW6obgQNZC\nSTwH4RlIOBLIS9hNrn7ZpKeXBzoQ4OCNdJlZsYBE0oI=\n-----END RSA PRIVATE KEY-----\n",
 "gcmInfo": {
  "mode": "gcm",
  "name": "id-aes128-gcm",
  "nid": 895,
  "blockSize": 1,
  "ivLength": 12,
  "keyLength": 16
 },
 "cbcInfo": {
  "mode": "cbc",
  "name": "aes-256-cbc",
  "nid": 427,
  "blockSize": 16,
  "ivLength": 16,
  "keyLength": 32
 },
 "chachaInfo": {
  "mode": "stream",
  "name": "chacha20-poly1305",
  "nid": 1018,
  "ivLength": 12,
  "keyLength": 32
 },
 "ecbInfo": {
  "mode": "ecb",
  "name": "aes-128-ecb",
  "nid": 418,
  "blockSize": 16,
  "keyLength": 16
 }
};

// An EC CA and an RSA leaf it issued (openssl req/x509 when the cases
// were written), with what Node 20 reports of the leaf.
const X = {
 "leafPem": "-----BEGIN CERTIFICATE-----\nMIICtTCCAlygAwIBAgIUV1yR8xS9fDsS5PfLrzU5Ybx4OPMwCgYIKoZIzj0EAwIw\nRzELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAkNBMRMwEQYDVQQKDApWZXJnZSBUZXN0\nMRYwFAYDVQQDDA1WZXJnZSBUZXN0IENBMB4XDTI2MTIwNzE1MDUwN1oXDTI3MTIw\nNzE1MDUwN1owOzELMAkGA1UEBhMCREUxFjAUBgNVBAoMDUV4YW1wbGUsIEluYy4x\nFDASBgNVBAMMC2V4YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKB\ngQDahesdr4gGzygXAVVEI5SAeSS3zBjMXrE0sxFxKwYgXKS5jrCcAAEjVcNOv2iv\nq2lZce9vvIhriV21rbh54aqJAhliIvS/YkZBVhGmd9tW/dKhMG/juEXOviZiXaeQ\nEMd7rRRc3zBlTFoC+2Ib3tcPJEhJgoOp2hYD8tGEpqF/qwIDAQABo4HqMIHnMDoG\nA1UdEQQzMDGCC2V4YW1wbGUuY29tgg0qLmV4YW1wbGUub3JnhwR/AAABgQ1hQGV4\nYW1wbGUuY29tMAkGA1UdEwQCMAAwXgYIKwYBBQUHAQEEUjBQMCQGCCsGAQUFBzAB\nhhhodHRwOi8vb2NzcC5leGFtcGxlLmNvbS8wKAYIKwYBBQUHMAKGHGh0dHA6Ly9j\nYS5leGFtcGxlLmNvbS9jYS5wZW0wHQYDVR0OBBYEFL2P7RMJ748shFrEZDTSBFJ0\nfq5rMB8GA1UdIwQYMBaAFEU4j/YpINL9gHj2xU6LbH153d7EMAoGCCqGSM49BAMC\nA0cAMEQCIG2GBALMFaxHJjCKOXvsaBtBJmPTdazedDo/kX2g4F6HAiBOZwIYK4CX\nVe2OWCjnBgqU5XwAlKcBmpTLrupULB6JWQ==\n-----END CERTIFICATE-----\n",
 "caPem": "-----BEGIN CERTIFICATE-----\nMIIB4zCCAYmgAwIBAgIUaMgtTkTNkwctfrLpjddCccc7uqMwCgYIKoZIzj0EAwIw\nRzELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAkNBMRMwEQYDVQQKDApWZXJnZSBUZXN0\nMRYwFAYDVQQDDA1WZXJnZSBUZXN0IENBMB4XDTI2MTIwNzE1MDQxN1oXDTM2MTIw\nNDE1MDQxN1owRzELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAkNBMRMwEQYDVQQKDApW\nZXJnZSBUZXN0MRYwFAYDVQQDDA1WZXJnZSBUZXN0IENBMFkwEwYHKoZIzj0CAQYI\nKoZIzj0DAQcDQgAEbkSXN4N3xBe+u1wvsj2WMz1iGkny67tqTe6mKTvuFMjy75mz\nMvciKpslPrT38YxJ9VmxkfMz4atO9tHfVDTYVKNTMFEwHQYDVR0OBBYEFEU4j/Yp\nINL9gHj2xU6LbH153d7EMB8GA1UdIwQYMBaAFEU4j/YpINL9gHj2xU6LbH153d7E\nMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhALgw7ymirlrfKkr+\nVWKRSq0L2uTFYy3+r/VSOg88yQeMAiBu9qqTeX+FZlZgF9Pklierb7cgSKjb65G3\ndkuiP6qRyA==\n-----END CERTIFICATE-----\n",
 "leafKey": "-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANqF6x2viAbPKBcB\nVUQjlIB5JLfMGMxesTSzEXErBiBcpLmOsJwAASNVw06/aK+raVlx72+8iGuJXbWt\nuHnhqokCGWIi9L9iRkFWEaZ321b90qEwb+O4Rc6+JmJdp5AQx3utFFzfMGVMWgL7\nYhve1w8kSEmCg6naFgPy0YSmoX+rAgMBAAECgYBwB949LuOfEg9sk+th7pfQscro\nS8Oe6yEQcomLqlIOv1BYLVZP9BShR/PEaI9EGK3/BFGLyG1sLFWVsgV0vwQNHLpS\nF3OGTt7BRpmjyQ/wf7m/jL++kVTMY5Prf2yHL352xUitmjEOrvZZxNHz895l0xu4\n151d9z7Y25wfzPrUwQJBAPwYo9JQsehhgxIYCeAPbJqC3F0CFuLl9ug0IldUuZ6O\n+odhkB/kPWW8wVpL9bB6G/xeesbxdL6m6Q4IAfTZT0sCQQDd6DAYadvD1o4WDegQ\na1wflvA6pxBuXdtKwUm+iNqLkKpDReX7uI5lKZzx6AIwYxvJIBhiupHnvwuyh9JW\ng3UhAkEAt42hSnMi9pZ5fuUt24yfgOkjVj09OLxESNIc5wVzmbV1SLmK3Q2sfrUu\n+3YvT+25DsokD1KjtGWHb4X5FrRbfQJBALLpbDWSy9w2lXJUngD2/lx9zowLfGTv\niUnZU0KqhkG2ToBUz9tG7o/DoEUtwO4QSiu7k82uDMsjLiQv+7dC3+ECQDXYIMC8\nmFoENBmH8HQbOhYrbDv4dCj7jx5DdSh4MkqeGNloFCZrbm7tyjS9Z73Ss0ZZ+Qlm\nee95fIT9ecJvYug=\n-----END PRIVATE KEY-----\n",
 "subject": "C=DE\nO=Example\\, Inc.\nCN=example.com",
 "issuer": "C=US\nST=CA\nO=Verge Test\nCN=Verge Test CA",
 "subjectAltName": "DNS:example.com, DNS:*.example.org, IP Address:127.0.0.1, email:a@example.com",
 "infoAccess": "OCSP - URI:http://ocsp.example.com/\nCA Issuers - URI:http://ca.example.com/ca.pem",
 "validFrom": "Dec  7 15:05:07 2026 GMT",
 "validTo": "Dec  7 15:05:07 2027 GMT",
 "fingerprint": "9B:F2:17:E6:A4:F5:8D:7E:EA:7C:8E:FC:AA:3D:87:FA:AE:3F:04:A3",
 "fingerprint256": "A1:49:F6:14:FF:47:60:C2:5B:B5:44:94:12:D5:37:9C:19:C3:CF:EE:5A:71:76:F6:17:F3:DB:C6:FE:FA:78:DF",
 "fingerprint512": "6A:94:99:F2:17:77:7A:63:A7:02:96:AE:64:12:AE:69:97:D5:3A:4A:9E:28:2D:55:95:51:98:AF:B3:B8:50:18:D2:0B:F4:4E:65:F4:A7:39:CF:27:0F:06:F7:89:96:FD:17:84:DA:34:19:21:E9:14:6B:25:5D:14:D5:85:B3:D7",
 "serialNumber": "575C91F314BD7C3B12E4F7CBAF353961BC7838F3",
 "rawHex": "308202b53082025ca0030201020214575c91f314bd7c3b12e4f7cbaf353961bc7838f3300a06082a8648ce3d0403023047310b3009060355040613025553310b300906035504080c02434131133011060355040a0c0a566572676520546573743116301406035504030c0d56657267652054657374204341301e170d3236313230373135303530375a170d3237313230373135303530375a303b310b300906035504061302444531163014060355040a0c0d4578616d706c652c20496e632e3114301206035504030c0b6578616d706c652e636f6d30819f300d06092a864886f70d010101050003818d0030818902818100da85eb1daf8806cf28170155442394807924b7cc18cc5eb134b311712b06205ca4b98eb09c00012355c34ebf68afab695971ef6fbc886b895db5adb879e1aa8902196222f4bf6246415611a677db56fdd2a1306fe3b845cebe26625da79010c77bad145cdf30654c5a02fb621bded70f2448498283a9da1603f2d184a6a17fab0203010001a381ea3081e7303a0603551d1104333031820b6578616d706c652e636f6d820d2a2e6578616d706c652e6f726787047f000001810d61406578616d706c652e636f6d30090603551d1304023000305e06082b0601050507010104523050302406082b060105050730018618687474703a2f2f6f6373702e6578616d706c652e636f6d2f302806082b06010505073002861c687474703a2f2f63612e6578616d706c652e636f6d2f63612e70656d301d0603551d0e04160414bd8fed1309ef8f2c845ac46434d20452747eae6b301f0603551d2304183016801445388ff62920d2fd8078f6c54e8b6c7d79dddec4300a06082a8648ce3d040302034700304402206d860402cc15ac4726308a397bec681b412663d375acde743a3f917da0e05e8702204e6702182b809755ed8e5828e7060a94e57c0094a7019a94cbaeea542c1e8959"
};

function caseRunner(crypto, Buffer) {
  const { t, eq, deepEq, throws, run } = caseHarness();
  const key = (n) => Buffer.alloc(n).map((_, i) => (i * 7 + 1) & 255);
  const iv = (n) => Buffer.alloc(n).map((_, i) => (i * 13 + 5) & 255);
  const pt = Buffer.from('The quick brown fox jumps over the lazy dog, twice over: 0123456789');
  const aad = Buffer.from('header-data');
  const hex = (b) => Buffer.from(b).toString('hex');

  // ---- ciphers ----
  const cipherCases = [
    ['aes-128-cbc', 16, 16], ['aes-192-cbc', 24, 16], ['aes-256-cbc', 32, 16], ['aes-128-ctr', 16, 16],
    ['aes-256-ctr', 32, 16], ['aes-128-ecb', 16, null], ['aes-256-ecb', 32, null],
  ];
  for (const [name, klen, ivlen] of cipherCases) {
    t(`${name} encrypts as Node and decrypts back`, () => {
      const ci = crypto.createCipheriv(name, key(klen), ivlen === null ? null : iv(ivlen));
      eq(hex(Buffer.concat([ci.update(pt), ci.final()])), E[name].ct);
      const de = crypto.createDecipheriv(name, key(klen), ivlen === null ? null : iv(ivlen));
      const ct = Buffer.from(E[name].ct, 'hex');
      // In pieces: update() may hold back a block.
      const out = Buffer.concat([de.update(ct.subarray(0, 5)), de.update(ct.subarray(5, 40)), de.update(ct.subarray(40)), de.final()]);
      eq(out.toString(), pt.toString());
    });
  }
  t('update/final with string encodings concatenate as one base64 string', () => {
    const ci = crypto.createCipheriv('aes-128-cbc', key(16), iv(16));
    const s = ci.update('héllo wörld, a bit longer than one block', 'utf8', 'base64') + ci.final('base64');
    eq(s, E.b64);
    const de = crypto.createDecipheriv('aes-128-cbc', key(16), iv(16));
    eq(de.update(s, 'base64', 'utf8') + de.final('utf8'), 'héllo wörld, a bit longer than one block');
  });
  t('setAutoPadding(false): whole blocks pass, a partial block fails at final', () => {
    const ci = crypto.createCipheriv('aes-128-cbc', key(16), iv(16)).setAutoPadding(false);
    eq(hex(Buffer.concat([ci.update(pt.subarray(0, 64)), ci.final()])), E['aes-128-cbc-nopad']);
    const bad = crypto.createCipheriv('aes-128-cbc', key(16), iv(16));
    bad.setAutoPadding(false);
    bad.update(pt.subarray(0, 15));
    throws(() => bad.final(), Error, 'ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'error:1C80006B:Provider routines::wrong final block length');
  });
  t('a wrong key in CBC fails at final with bad decrypt', () => {
    const de = crypto.createDecipheriv('aes-128-cbc', Buffer.alloc(16), iv(16));
    de.update(Buffer.from(E['aes-128-cbc'].ct, 'hex'));
    throws(() => de.final(), Error, 'ERR_OSSL_BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt');
  });
  const aeadCases = [
    ['aes-128-gcm', 16, 12, undefined, true, 'aes-128-gcm'],
    ['aes-256-gcm', 32, 12, undefined, true, 'aes-256-gcm'],
    ['aes-256-gcm', 32, 16, { authTagLength: 12 }, false, 'aes-256-gcm-iv16-tag12'],
    ['aes-128-ccm', 16, 12, { authTagLength: 16 }, true, 'aes-128-ccm'],
    ['chacha20-poly1305', 32, 12, { authTagLength: 16 }, true, 'chacha20-poly1305'],
    ['aes-256-ocb', 32, 12, { authTagLength: 16 }, true, 'aes-256-ocb'],
  ];
  for (const [name, klen, ivlen, opts, withAad, vec] of aeadCases) {
    const setAad = (c) => { if (withAad) c.setAAD(aad, { plaintextLength: pt.length }); };
    t(`${vec}: ciphertext and tag as Node; decrypts; a flipped tag fails`, () => {
      const ci = crypto.createCipheriv(name, key(klen), iv(ivlen), opts);
      setAad(ci);
      eq(hex(Buffer.concat([ci.update(pt), ci.final()])), E[vec].ct);
      eq(hex(ci.getAuthTag()), E[vec].tag);
      const de = crypto.createDecipheriv(name, key(klen), iv(ivlen), opts);
      de.setAuthTag(Buffer.from(E[vec].tag, 'hex'));
      setAad(de);
      eq(Buffer.concat([de.update(Buffer.from(E[vec].ct, 'hex')), de.final()]).toString(), pt.toString());
      const tag = Buffer.from(E[vec].tag, 'hex');
      tag[0] ^= 1;
      const bad = crypto.createDecipheriv(name, key(klen), iv(ivlen), opts);
      bad.setAuthTag(tag);
      setAad(bad);
      bad.update(Buffer.from(E[vec].ct, 'hex'));
      throws(() => bad.final(), Error, undefined, 'Unsupported state or unable to authenticate data');
    });
  }
  t('GCM without setAuthTag fails to authenticate', () => {
    const de = crypto.createDecipheriv('aes-128-gcm', key(16), iv(12));
    de.update(Buffer.from(E['aes-128-gcm'].ct, 'hex'));
    throws(() => de.final(), Error, undefined, 'Unsupported state or unable to authenticate data');
  });
  t('cipher argument errors are Node\'s', () => {
    throws(() => crypto.createCipheriv('aes-128-nope', key(16), iv(16)), Error, 'ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
    throws(() => crypto.createCipheriv('aes-128-cbc', key(15), iv(16)), RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    throws(() => crypto.createCipheriv('aes-128-cbc', key(16), iv(15)), TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector');
    throws(() => crypto.createCipheriv('aes-128-cbc', key(16), null), TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector');
    throws(() => crypto.createCipheriv('aes-128-ecb', key(16), iv(16)), TypeError, 'ERR_CRYPTO_INVALID_IV');
    throws(() => crypto.createCipheriv('aes-128-ccm', key(16), iv(12)), TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', 'authTagLength required for aes-128-ccm');
    throws(() => crypto.createCipheriv('aes-128-gcm', key(16), iv(12), { authTagLength: 5 }), TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', 'Invalid authentication tag length: 5');
    throws(() => crypto.createDecipheriv('aes-128-gcm', key(16), iv(12)).setAuthTag(Buffer.alloc(3)), TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', 'Invalid authentication tag length: 3');
    throws(() => crypto.createCipheriv('aes-128-gcm', key(16), iv(12)).getAuthTag(), Error, 'ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation getAuthTag');
    throws(() => crypto.createCipheriv(1, key(16), iv(16)), TypeError, 'ERR_INVALID_ARG_TYPE');
    const done = crypto.createCipheriv('aes-128-cbc', key(16), iv(16));
    done.final();
    throws(() => done.update('x'), Error, undefined, 'Trying to add data in unsupported state');
  });
  t('Cipheriv is a Transform stream', () => new Promise((resolve, reject) => {
    const ci = crypto.createCipheriv('aes-128-cbc', key(16), iv(16));
    const parts = [];
    ci.on('data', (d) => parts.push(d));
    ci.on('error', reject);
    ci.on('end', () => {
      try { eq(hex(Buffer.concat(parts)), E['aes-128-cbc'].ct); resolve(); } catch (e) { reject(e); }
    });
    ci.write(pt.subarray(0, 10));
    ci.end(pt.subarray(10));
  }));
  t('a secret KeyObject works as a cipher key', () => {
    const ci = crypto.createCipheriv('aes-128-ctr', crypto.createSecretKey(key(16)), iv(16));
    eq(hex(Buffer.concat([ci.update(pt), ci.final()])), E['aes-128-ctr'].ct);
  });
  t('getCiphers and getCipherInfo', () => {
    const list = crypto.getCiphers();
    for (const n of ['aes-128-cbc', 'aes-256-gcm', 'aes-192-ctr', 'aes-128-ecb', 'chacha20-poly1305', 'aes-128-ccm']) {
      if (!list.includes(n)) throw new Error(`getCiphers lacks ${n}`);
    }
    deepEq(crypto.getCipherInfo('aes-128-gcm'), E.gcmInfo);
    deepEq(crypto.getCipherInfo('aes-256-cbc'), E.cbcInfo);
    deepEq(crypto.getCipherInfo('chacha20-poly1305'), E.chachaInfo);
    deepEq(crypto.getCipherInfo('aes-128-ecb'), E.ecbInfo);
    eq(crypto.getCipherInfo('nope'), undefined);
  });

  // ---- keys ----
  const rsa = () => crypto.createPrivateKey(K.rsaPkcs8);
  const ec = () => crypto.createPrivateKey(K.ecPkcs8);
  const ed = () => crypto.createPrivateKey(K.edPkcs8);
  t('KeyObject properties', () => {
    const k = rsa();
    eq(k.type, 'private');
    eq(k.asymmetricKeyType, 'rsa');
    eq(k.asymmetricKeyDetails.modulusLength, 1024);
    eq(k.asymmetricKeyDetails.publicExponent, 65537n);
    eq(ec().asymmetricKeyDetails.namedCurve, 'prime256v1');
    eq(ed().asymmetricKeyType, 'ed25519');
    eq(crypto.createPublicKey(k).type, 'public');
    const s = crypto.createSecretKey(Buffer.from('abcdef'));
    eq(s.type, 'secret');
    eq(s.symmetricKeySize, 6);
    eq(s.asymmetricKeyType, undefined);
    eq(k instanceof crypto.KeyObject, true);
  });
  t('exports are byte for byte Node\'s (PEM, DER, JWK)', () => {
    const k = rsa();
    eq(k.export({ format: 'pem', type: 'pkcs8' }), K.rsaPkcs8);
    eq(k.export({ format: 'pem', type: 'pkcs1' }), E.rsaPkcs1);
    eq(crypto.createPublicKey(k).export({ format: 'pem', type: 'spki' }), E.rsaSpki);
    eq(crypto.createPublicKey(k).export({ format: 'pem', type: 'pkcs1' }), E.rsaPubPkcs1);
    eq(hex(crypto.createPublicKey(K.rsaPkcs8).export({ format: 'der', type: 'spki' })), E.rsaSpkiDer);
    deepEq(k.export({ format: 'jwk' }), E.rsaJwk);
    eq(ec().export({ format: 'pem', type: 'sec1' }), E.ecSec1);
    deepEq(ec().export({ format: 'jwk' }), E.ecJwk);
    eq(crypto.createPublicKey(ec()).export({ format: 'pem', type: 'spki' }), E.ecSpki);
    deepEq(ed().export({ format: 'jwk' }), E.edJwk);
    eq(crypto.createPublicKey(K.edPkcs8).export({ format: 'pem', type: 'spki' }), E.edSpki);
    deepEq(crypto.createSecretKey(Buffer.alloc(3)).export({ format: 'jwk' }), { kty: 'oct', k: 'AAAA' });
  });
  t('imports from PEM, DER and JWK agree', () => {
    const k = rsa();
    const fromDer = crypto.createPrivateKey({ key: k.export({ format: 'der', type: 'pkcs1' }), format: 'der', type: 'pkcs1' });
    eq(fromDer.equals(k), true);
    const fromJwk = crypto.createPrivateKey({ key: E.rsaJwk, format: 'jwk' });
    eq(fromJwk.export({ format: 'pem', type: 'pkcs8' }), K.rsaPkcs8);
    const pub = crypto.createPublicKey({ key: Buffer.from(E.rsaSpkiDer, 'hex'), format: 'der', type: 'spki' });
    eq(pub.export({ format: 'pem', type: 'spki' }), E.rsaSpki);
    eq(crypto.createPublicKey(E.rsaPubPkcs1).equals(pub), true);
    eq(crypto.createPrivateKey(E.ecSec1).equals(ec()), true);
    eq(crypto.createPublicKey({ key: E.ecJwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }), E.ecSpki);
    eq(crypto.createPrivateKey({ key: E.edJwk, format: 'jwk' }).equals(ed()), true);
  });
  t('encrypted PEM: Node\'s decrypt with the passphrase; ours round-trip', () => {
    eq(crypto.createPrivateKey({ key: E.encPkcs8, passphrase: 'top secret' }).equals(rsa()), true);
    eq(crypto.createPrivateKey({ key: E.encPkcs1, passphrase: 'top secret' }).equals(rsa()), true);
    const mine = ec().export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'pw' });
    eq(mine.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----'), true);
    eq(crypto.createPrivateKey({ key: mine, passphrase: 'pw' }).equals(ec()), true);
    throws(() => crypto.createPrivateKey({ key: mine, passphrase: 'wrong' }), Error);
    const der = ec().export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' });
    eq(crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8', passphrase: 'pw' }).equals(ec()), true);
  });
  t('key errors are Node\'s', () => {
    throws(() => crypto.createPublicKey('garbage'), Error, 'ERR_OSSL_UNSUPPORTED', 'error:1E08010C:DECODER routines::unsupported');
    throws(() => crypto.createPrivateKey(E.rsaSpki), Error, 'ERR_OSSL_UNSUPPORTED');
    throws(() => crypto.createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }, format: 'jwk' }), TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK EC key');
    throws(() => crypto.createPublicKey(crypto.createPublicKey(E.rsaSpki)), TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.');
    throws(() => rsa().export({ format: 'der', type: 'spki' }), TypeError, 'ERR_INVALID_ARG_VALUE', "The property 'options.type' is invalid. Received 'spki'");
    throws(() => ed().export({ format: 'pem', type: 'pkcs1' }), Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', 'The selected key encoding pkcs1 can only be used for RSA keys.');
    throws(() => crypto.createHmac('sha256', rsa()), TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type private, expected secret.');
    throws(() => crypto.KeyObject.from({}), TypeError, 'ERR_INVALID_ARG_TYPE');
  });
  t('generateKeyPairSync: rsa, rsa-pss, ec, ed25519, x25519, with encodings', () => {
    const r = crypto.generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 });
    eq(r.privateKey.asymmetricKeyDetails.modulusLength, 1024);
    eq(r.publicKey.asymmetricKeyDetails.publicExponent, 3n);
    eq(crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey.asymmetricKeyType, 'rsa-pss');
    eq(Object.keys(crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey.asymmetricKeyDetails).length, 2);
    const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha1', saltLength: 16 });
    deepEq(pss.publicKey.asymmetricKeyDetails, { modulusLength: 1024, publicExponent: 65537n, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha1', saltLength: 16 });
    const pss384 = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024, hashAlgorithm: 'sha384' }).privateKey.asymmetricKeyDetails;
    eq(`${pss384.hashAlgorithm} ${pss384.mgf1HashAlgorithm} ${pss384.saltLength}`, 'sha384 sha384 48');
    eq(crypto.verify('sha256', pt, pss.publicKey, crypto.sign('sha256', pt, pss.privateKey)), true);
    throws(() => crypto.sign('sha512', pt, pss.privateKey), Error, 'ERR_OSSL_DIGEST_NOT_ALLOWED');
    throws(() => crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024, hashAlgorithm: 'foo' }), TypeError, 'ERR_CRYPTO_INVALID_DIGEST', 'Invalid digest: foo');
    const e = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'sec1', format: 'der' } });
    eq(typeof e.publicKey, 'string');
    eq(crypto.createPublicKey(e.publicKey).asymmetricKeyDetails.namedCurve, 'secp384r1');
    eq(crypto.createPrivateKey({ key: e.privateKey, format: 'der', type: 'sec1' }).asymmetricKeyType, 'ec');
    eq(crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.asymmetricKeyDetails.namedCurve, 'secp256k1');
    // Explicit curve parameters make P-256's SPKI 335 bytes instead of 91.
    eq(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'explicit' }).publicKey.export({ format: 'der', type: 'spki' }).length, 335);
    eq(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'named' }).publicKey.export({ format: 'der', type: 'spki' }).length, 91);
    throws(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'foo' }), TypeError, 'ERR_INVALID_ARG_VALUE', "The property 'options.paramEncoding' is invalid. Received 'foo'");
    const o = crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'jwk' } });
    eq(o.privateKey.crv, 'Ed25519');
    eq(crypto.generateKeyPairSync('x25519').publicKey.asymmetricKeyType, 'x25519');
    throws(() => crypto.generateKeyPairSync('ec', { namedCurve: 'foo' }), TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
    throws(() => crypto.generateKeyPairSync('rsa', {}), TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.modulusLength" property must be of type number. Received undefined');
  });
  t('generateKeyPair calls back later', () => new Promise((resolve, reject) => {
    let sync = true;
    crypto.generateKeyPair('ed25519', {}, (err, pub, priv) => {
      try {
        eq(sync, false);
        eq(err, null);
        eq(pub.type, 'public');
        eq(priv.type, 'private');
        resolve();
      } catch (e) { reject(e); }
    });
    sync = false;
  }));
  t('generateKeySync: hmac and aes', () => {
    eq(crypto.generateKeySync('hmac', { length: 123 }).symmetricKeySize, 15);
    eq(crypto.generateKeySync('aes', { length: 256 }).symmetricKeySize, 32);
    throws(() => crypto.generateKeySync('aes', { length: 100 }), TypeError, 'ERR_INVALID_ARG_VALUE', "The property 'options.length' must be one of: 128, 192, 256. Received 100");
    throws(() => crypto.generateKeySync('hmac', { length: 4 }), RangeError, 'ERR_OUT_OF_RANGE');
  });
  t('KeyObject.from(CryptoKey) shares the key', async () => {
    const pair = await crypto.webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const priv = crypto.KeyObject.from(pair.privateKey);
    eq(priv.type, 'private');
    eq(priv.asymmetricKeyType, 'ed25519');
    const sig = crypto.sign(null, pt, priv);
    eq(await crypto.webcrypto.subtle.verify('Ed25519', pair.publicKey, sig, pt), true);
    const hmac = await crypto.webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 128 }, true, ['sign']);
    eq(crypto.KeyObject.from(hmac).symmetricKeySize, 16);
  });

  // ---- signatures ----
  t('RSA PKCS#1 v1.5 signatures are Node\'s', () => {
    eq(hex(crypto.sign('sha256', pt, rsa())), E.rsaSigSha256);
    eq(crypto.createSign('RSA-SHA1').update(pt).sign(K.rsaPkcs8, 'base64'), E.rsaSignSha1);
    eq(crypto.verify('sha256', pt, E.rsaSpki, Buffer.from(E.rsaSigSha256, 'hex')), true);
    eq(crypto.createVerify('sha256').update(pt.subarray(0, 10)).update(pt.subarray(10)).verify(E.rsaSpki, E.rsaSigSha256, 'hex'), true);
    eq(crypto.verify('sha256', Buffer.from('other'), E.rsaSpki, Buffer.from(E.rsaSigSha256, 'hex')), false);
  });
  t('RSA-PSS: Node\'s signature verifies, ours too', () => {
    const opts = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 };
    eq(crypto.verify('sha256', pt, { key: E.rsaSpki, ...opts }, Buffer.from(E.rsaPssSig, 'hex')), true);
    const sig = crypto.sign('sha256', pt, { key: rsa(), ...opts });
    eq(crypto.verify('sha256', pt, { key: E.rsaSpki, ...opts }, sig), true);
    eq(crypto.verify('sha256', pt, { key: E.rsaSpki, padding: crypto.constants.RSA_PKCS1_PADDING }, sig), false);
  });
  t('Ed25519 (null algorithm) is Node\'s; ECDSA DER and P1363 verify', () => {
    eq(hex(crypto.sign(null, pt, ed())), E.edSig);
    eq(crypto.verify(null, pt, E.edSpki, Buffer.from(E.edSig, 'hex')), true);
    eq(crypto.verify('sha256', pt, E.ecSpki, Buffer.from(E.ecSigDer, 'hex')), true);
    eq(crypto.verify('sha384', pt, { key: E.ecSpki, dsaEncoding: 'ieee-p1363' }, Buffer.from(E.ecSigP1363, 'hex')), true);
    const p1363 = crypto.sign('sha256', pt, { key: ec(), dsaEncoding: 'ieee-p1363' });
    eq(p1363.length, 64);
    eq(crypto.verify('sha256', pt, { key: ec(), dsaEncoding: 'ieee-p1363' }, p1363), true);
    eq(crypto.createVerify('sha256').update(pt).verify(E.ecSpki, crypto.createSign('sha256').update(pt).sign(ec())), true);
  });
  t('signature errors are Node\'s', () => {
    throws(() => crypto.createSign('foo'), TypeError, 'ERR_CRYPTO_INVALID_DIGEST', 'Invalid digest');
    throws(() => crypto.sign('sha256', pt, crypto.createPublicKey(E.ecSpki)), TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.');
    throws(() => crypto.createSign('sha256').sign(crypto.createPublicKey(E.rsaSpki)), TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE');
  });

  // ---- RSA encryption ----
  t('publicEncrypt/privateDecrypt (OAEP) and privateEncrypt/publicDecrypt', () => {
    eq(crypto.privateDecrypt(rsa(), Buffer.from(E.oaepCt, 'hex')).toString(), pt.subarray(0, 40).toString());
    eq(crypto.privateDecrypt({ key: K.rsaPkcs8, oaepHash: 'sha256', oaepLabel: Buffer.from('lbl') }, Buffer.from(E.oaep256Ct, 'hex')).toString(), pt.subarray(0, 30).toString());
    const ct = crypto.publicEncrypt(E.rsaSpki, Buffer.from('round trip'));
    eq(ct.length, 128);
    eq(crypto.privateDecrypt(rsa(), ct).toString(), 'round trip');
    eq(hex(crypto.privateEncrypt(rsa(), pt.subarray(0, 20))), E.privEnc);
    eq(crypto.publicDecrypt(E.rsaSpki, Buffer.from(E.privEnc, 'hex')).toString(), pt.subarray(0, 20).toString());
    throws(() => crypto.publicEncrypt(E.rsaSpki, Buffer.alloc(100)), Error, 'ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE');
    throws(() => crypto.privateDecrypt(rsa(), Buffer.alloc(128, 1)), Error, 'ERR_OSSL_RSA_OAEP_DECODING_ERROR');
    const pk1 = crypto.publicEncrypt({ key: E.rsaSpki, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from('x'));
    throws(() => crypto.privateDecrypt({ key: rsa(), padding: crypto.constants.RSA_PKCS1_PADDING }, pk1), TypeError, 'ERR_INVALID_ARG_VALUE');
  });

  // ---- key agreement ----
  t('diffieHellman (X25519) and createECDH are Node\'s', () => {
    const x1 = crypto.createPrivateKey(K.x1Pkcs8), x2 = crypto.createPrivateKey(K.x2Pkcs8);
    eq(hex(crypto.diffieHellman({ privateKey: x1, publicKey: crypto.createPublicKey(x2) })), E.x25519Secret);
    eq(hex(crypto.diffieHellman({ privateKey: x2, publicKey: crypto.createPublicKey(x1) })), E.x25519Secret);
    throws(() => crypto.diffieHellman({ privateKey: rsa(), publicKey: crypto.createPublicKey(x1) }), Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY', 'Incompatible key types for Diffie-Hellman: rsa and x25519');
    const e1 = crypto.createECDH('prime256v1');
    e1.setPrivateKey(Buffer.from(E.ecdhPriv1, 'hex'));
    eq(e1.getPublicKey('hex'), E.ecdhPub1);
    eq(e1.getPublicKey('hex', 'compressed'), E.ecdhPub1c);
    const e2 = crypto.createECDH('prime256v1');
    e2.setPrivateKey(E.ecdhPriv2, 'hex');
    eq(e1.computeSecret(e2.getPublicKey()).toString('hex'), E.ecdhSecret);
    eq(e2.computeSecret(E.ecdhPub1c, 'hex', 'hex'), E.ecdhSecret);
    const k = crypto.createECDH('secp256k1');
    k.setPrivateKey(key(32));
    eq(k.getPublicKey('base64'), E.secp256k1Pub);
    const g = crypto.createECDH('secp384r1');
    eq(g.generateKeys().length, 97);
    throws(() => crypto.createECDH('foo'), TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
    throws(() => e1.computeSecret(Buffer.from('0411', 'hex')), Error, 'ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY', 'Public key is not valid for specified curve');
    eq(crypto.getCurves().includes('prime256v1'), true);
    eq(crypto.getCurves().includes('secp384r1'), true);
  });

  t('Ed448 signs with a null algorithm; ECDH.convertKey', () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed448');
    const sig = crypto.sign(null, pt, privateKey);
    eq(sig.length, 114);
    eq(crypto.verify(null, pt, publicKey, sig), true);
    eq(crypto.ECDH.convertKey(E.ecdhPub1c, 'prime256v1', 'hex', 'hex', 'uncompressed'), E.ecdhPub1);
    eq(crypto.ECDH.convertKey(E.ecdhPub1, 'prime256v1', 'hex', 'hex', 'compressed'), E.ecdhPub1c);
  });

  // ---- X509Certificate ----
  t('X509Certificate: fields as Node prints them', () => {
    const leaf = new crypto.X509Certificate(X.leafPem);
    for (const k of ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'fingerprint',
      'fingerprint256', 'fingerprint512', 'serialNumber']) eq(leaf[k], X[k], k);
    eq(hex(leaf.raw), X.rawHex);
    eq(leaf.toString(), X.leafPem);
    eq(leaf.ca, false);
    eq(new crypto.X509Certificate(X.caPem).ca, true);
    const fromDer = new crypto.X509Certificate(Buffer.from(X.rawHex, 'hex'));
    eq(fromDer.fingerprint256, X.fingerprint256);
    eq(leaf.publicKey.asymmetricKeyType, 'rsa');
    eq(leaf.publicKey.equals(crypto.createPublicKey(X.leafKey)), true);
    eq(crypto.createPublicKey(X.leafPem).equals(leaf.publicKey), true);
  });
  t('X509Certificate: checks and verification', () => {
    const leaf = new crypto.X509Certificate(X.leafPem);
    const ca = new crypto.X509Certificate(Buffer.from(X.caPem));
    eq(leaf.verify(ca.publicKey), true);
    eq(leaf.verify(leaf.publicKey), false);
    eq(leaf.checkIssued(ca), true);
    eq(ca.checkIssued(leaf), false);
    eq(leaf.checkHost('example.com'), 'example.com');
    eq(leaf.checkHost('a.example.org'), '*.example.org');
    eq(leaf.checkHost('a.example.org', { wildcards: false }), undefined);
    eq(leaf.checkHost('x.com'), undefined);
    eq(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    eq(leaf.checkIP('127.0.0.2'), undefined);
    eq(leaf.checkEmail('a@example.com'), 'a@example.com');
    eq(leaf.checkPrivateKey(crypto.createPrivateKey(X.leafKey)), true);
    throws(() => new crypto.X509Certificate('garbage'), Error, 'ERR_OSSL_PEM_NO_START_LINE', 'error:0480006C:PEM routines::no start line');
    throws(() => leaf.verify(crypto.createPrivateKey(X.leafKey)), TypeError, 'ERR_INVALID_ARG_VALUE');
  });

  t('checkPrime and generatePrime', () => new Promise((resolve, reject) => {
    eq(crypto.checkPrimeSync(7n), true);
    eq(crypto.checkPrimeSync(15n), false);
    eq(crypto.checkPrimeSync(Buffer.from([0x0d])), true);
    // 2^127 - 1 is a Mersenne prime; 2^128 + 1 is not prime.
    eq(crypto.checkPrimeSync(2n ** 127n - 1n), true);
    eq(crypto.checkPrimeSync(2n ** 128n + 1n, { checks: 10 }), false);
    const p = crypto.generatePrimeSync(64, { bigint: true });
    eq(typeof p, 'bigint');
    eq(p >= 2n ** 63n && p < 2n ** 64n, true);
    eq(crypto.checkPrimeSync(p), true);
    const ab = crypto.generatePrimeSync(32);
    eq(ab instanceof ArrayBuffer, true);
    eq(ab.byteLength, 4);
    eq(crypto.generatePrimeSync(32, { add: 12n, rem: 11n, bigint: true }) % 12n, 11n);
    const safe = crypto.generatePrimeSync(64, { safe: true, bigint: true });
    eq(crypto.checkPrimeSync((safe - 1n) / 2n), true);
    throws(() => crypto.checkPrimeSync('7'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throws(() => crypto.checkPrimeSync(-7n), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "candidate" is out of range. It must be >= 0. Received -7n');
    throws(() => crypto.generatePrimeSync(0), RangeError, 'ERR_OUT_OF_RANGE', 'The value of "size" is out of range. It must be >= 1 && <= 2147483647. Received 0');
    throws(() => crypto.generatePrimeSync(16, { add: 100000n }), RangeError, 'ERR_OUT_OF_RANGE');
    crypto.checkPrime(7n, (err, ok) => {
      try { eq(err == null, true); eq(ok, true); } catch (e) { reject(e); return; }
      crypto.generatePrime(16, { bigint: true }, (err2, q) => {
        try { eq(err2 == null, true); eq(crypto.checkPrimeSync(q), true); resolve(); } catch (e) { reject(e); }
      });
    });
  }));

  t('classic Diffie-Hellman: MODP groups and fixed keys as Node', () => {
    const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
    // SHA-256 of what Node 20 gives.
    const m = crypto.getDiffieHellman('modp14');
    eq(sha(m.getPrime()), 'd66436f79bbd6b2e38c0ffbd079be904d2641415e2e67140e09448be9a60890e');
    eq(sha(crypto.getDiffieHellman('modp2').getPrime()), '3f35a3f5f6c4376a744acad409bb22f8d897f949d2311d885adaa890981b67a0');
    eq(sha(crypto.createDiffieHellmanGroup('modp18').getPrime()), '39ab4feab950a3128fb71accb9fc3965d857012e081998a85996e3ea8b3c3bcf');
    eq(m.getGenerator('hex'), '02');
    eq(m.verifyError, 0);
    const a = crypto.createDiffieHellman(m.getPrime(), 2);
    a.setPrivateKey(Buffer.alloc(28, 0x11));
    const pa = a.generateKeys();
    eq(sha(pa), 'cc80a87cd10b174b7fbb743e2f741f1c8fc5a008c9bfc491f586ce4bc2ba2541');
    const b = crypto.createDiffieHellman(m.getPrime('hex'), 'hex', Buffer.from([2]));
    b.setPrivateKey(Buffer.alloc(28, 0x22));
    const pb = b.generateKeys();
    const secret = a.computeSecret(pb);
    eq(secret.length, 256);
    eq(sha(secret), 'd586de8713dbfd9dea4aca03b7f5da83dc9e7d4807e1dd295debff6b584cc407');
    eq(b.computeSecret(pa.toString('hex'), 'hex', 'hex'), secret.toString('hex'));
    // Group members generate keys of the group's strength and agree.
    const g1 = crypto.getDiffieHellman('modp14'), g2 = crypto.getDiffieHellman('modp14');
    g1.generateKeys();
    g2.generateKeys();
    eq(g1.computeSecret(g2.getPublicKey()).toString('hex'), g2.computeSecret(g1.getPublicKey()).toString('hex'));
    eq(g1.getPrivateKey().length < 64, true);  // by the group's strength, not the prime's 256 bytes
    eq(typeof g1.setPrivateKey, 'undefined');
  });
  t('classic Diffie-Hellman: verifyError and errors as Node', () => {
    const m = crypto.getDiffieHellman('modp14');
    eq(crypto.createDiffieHellman(m.getPrime(), 5).verifyError, 0);
    eq(crypto.createDiffieHellman(Buffer.from([23]), 2).verifyError, 128);
    eq(crypto.createDiffieHellman(Buffer.from([29]), 2).verifyError, 130);
    eq(crypto.createDiffieHellman(Buffer.from([21]), 2).verifyError, 129);
    eq(crypto.createDiffieHellman(Buffer.from('ffffffffffffffc5', 'hex'), 2).verifyError, 130);
    const d = crypto.createDiffieHellman(m.getPrime(), 2);
    throws(() => d.getPublicKey(), Error, 'ERR_CRYPTO_INVALID_STATE', 'No public key - did you forget to generate one?');
    throws(() => d.getPrivateKey(), Error, 'ERR_CRYPTO_INVALID_STATE', 'No private key - did you forget to generate one?');
    d.generateKeys();
    throws(() => d.computeSecret(Buffer.from([1])), RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Supplied key is too small');
    throws(() => d.computeSecret(m.getPrime()), RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Supplied key is too large');
    throws(() => crypto.getDiffieHellman('foo'), Error, 'ERR_CRYPTO_UNKNOWN_DH_GROUP', 'Unknown DH group');
    throws(() => crypto.createDiffieHellman(m.getPrime(), 1), Error, 'ERR_OSSL_DH_BAD_GENERATOR', 'error:02800065:Diffie-Hellman routines::bad generator');
    throws(() => crypto.createDiffieHellman(16), Error, 'ERR_OSSL_DH_MODULUS_TOO_SMALL');
  });

  // ---- the rest ----
  t('constants, randomUUID, getRandomValues, subtle', () => {
    eq(crypto.constants.RSA_PKCS1_PADDING, 1);
    eq(crypto.constants.RSA_PKCS1_OAEP_PADDING, 4);
    eq(crypto.constants.RSA_PKCS1_PSS_PADDING, 6);
    eq(crypto.constants.RSA_PSS_SALTLEN_DIGEST, -1);
    eq(crypto.constants.POINT_CONVERSION_COMPRESSED, 2);
    eq(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), true);
    eq(crypto.getRandomValues(new Uint8Array(8)).length, 8);
    eq(typeof crypto.subtle.digest, 'function');
    // Last: Node leaves OpenSSL's error from comparing keys of two types queued.
    eq(crypto.createPublicKey(E.rsaSpki).equals(crypto.createPublicKey(E.ecSpki)), false);
  });

  return run;
}
