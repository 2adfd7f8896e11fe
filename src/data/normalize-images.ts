/** uint8 images to the float32 input of an encoder. */
import { type Tensor, tensor, tidy } from '../tensor/index.ts';

/** Scales uint8 images to standardized float32: (x/255 − mean)/std per channel, channels-last. */
export function normalizeImages(images: Tensor, mean: number[], std: number[]): Tensor {
  return tidy(() => {
    const c = images.shape[1] as number;
    const m = mean.length === c ? mean : Array(c).fill(mean[0]);
    const s = std.length === c ? std : Array(c).fill(std[0]);
    const scale = tensorOf(
      s.map((v) => 1 / (255 * v)),
      c,
    );
    const shift = tensorOf(
      m.map((v, i) => -v / (s[i] as number)),
      c,
    );
    return images.float().mul(scale).add(shift).channelsLast();
  });
}

/** A 1×C×1×1 float32 tensor of per-channel constants. */
const tensorOf = (values: number[], c: number): Tensor => tensor(Float32Array.from(values), [1, c, 1, 1]);
