import { decodeSafetensors } from '../../src/tensor/index.ts';

function file(h: string, data: Buffer) {
  const j = Buffer.from(h);
  const l = Buffer.alloc(8);
  l.writeBigUInt64LE(BigInt(j.length));
  return Buffer.concat([l, j, data]);
}
const deep = (d: number) => '['.repeat(d) + ']'.repeat(d);
for (const h of [
  `{"a":{"dtype":"F32","shape":${deep(100000)},"data_offsets":[0,4]}}`,
  `{"a":${deep(100000)}}`,
  `{"__metadata__":${deep(100000)}}`,
  `{"__metadata__":{"k":${deep(100000)}}}`,
  `{"a":{"dtype":${deep(100000)},"shape":[1],"data_offsets":[0,4]}}`,
  `{"a":{"dtype":"F32","shape":[1],"data_offsets":${deep(100000)}}}`,
  deep(100000),
]) {
  try {
    decodeSafetensors(file(h, Buffer.alloc(4)), 'X.safetensors');
    console.log('ok');
  } catch (e) {
    console.log((e as Error).name, (e as Error).message.slice(0, 120));
  }
}
