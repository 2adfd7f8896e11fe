/**
 * MoCo's dictionary of negative keys (He et al. 2020): a FIFO queue of the
 * last K keys, stored as a K×d ring buffer with a write pointer.
 */
import { type DType, type Generator, nnf, noGrad, op, opT, randn, type Tensor, tensor, tidy } from '../tensor/index.ts';

/**
 * K keys of dimension d. Key number n (counting from 0 over every push since
 * the queue was created) lands in row n mod K, so the rows hold the last K
 * keys pushed, oldest at the pointer; `ordered()` returns them oldest first.
 * A batch larger than K keeps its last K keys. The queue starts with random
 * unit vectors, as MoCo's.
 */
export class KeyQueue {
  readonly size: number;
  readonly dim: number;
  /** The K×d ring buffer (rows are unit keys). */
  readonly keys: Tensor;
  #ptr = 0;

  constructor(size: number, dim: number, o: { generator?: Generator; dtype?: DType; device?: string } = {}) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`KeyQueue: size must be a positive integer, got ${size}`);
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`KeyQueue: dim must be a positive integer, got ${dim}`);
    this.size = size;
    this.dim = dim;
    this.keys = tidy(() =>
      nnf.normalize(randn([size, dim], { generator: o.generator }), 1).to({ dtype: o.dtype, device: o.device }),
    ).keep();
  }

  /** Row the next key is written to (the oldest key's row). */
  get ptr(): number {
    return this.#ptr;
  }

  /** Writes the rows of `k` (n×d) in order after the newest key, overwriting the oldest. */
  push(k: Tensor): void {
    if (k.ndim !== 2 || k.shape[1] !== this.dim) {
      throw new Error(`KeyQueue.push: keys must be n×${this.dim}, got shape [${k.shape}]`);
    }
    const n = k.shape[0] as number;
    if (n === 0) return;
    noGrad(() =>
      tidy(() => {
        const m = Math.min(n, this.size);
        const src = k
          .narrow(0, n - m, m)
          .detach()
          .to({ dtype: this.keys.dtype, device: this.keys.device });
        const first = (this.#ptr + n - m) % this.size;
        const rows = BigInt64Array.from({ length: m }, (_, i) => BigInt((first + i) % this.size));
        const index = tensor(rows, [m]).to({ device: this.keys.device });
        (op('aten::index_copy_', [this.keys, 0, index, src]) as Tensor).dispose();
      }),
    );
    this.#ptr = (this.#ptr + n) % this.size;
  }

  /** The keys oldest first (a new K×d tensor). */
  ordered(): Tensor {
    return opT('aten::roll', [this.keys, [-this.#ptr], [0]]);
  }

  /** `{ queue, queuePtr }`: the buffer (a detached view) and the pointer as an int64 scalar. */
  state(): { queue: Tensor; queuePtr: Tensor } {
    return { queue: this.keys.detach(), queuePtr: tensor(new BigInt64Array([BigInt(this.#ptr)]), []) };
  }

  /** Restores what `state` returned (copies the keys in place). */
  load(queue: Tensor, queuePtr: Tensor): void {
    if (queue.shape.join() !== this.keys.shape.join()) {
      throw new Error(`KeyQueue: state 'queue' must have shape [${this.keys.shape}], got [${queue.shape}]`);
    }
    const p = queuePtr.numel === 1 ? queuePtr.item() : Number.NaN;
    if (!Number.isInteger(p) || p < 0 || p >= this.size) {
      throw new Error(
        `KeyQueue: state 'queuePtr' must be one integer in 0…${this.size - 1}, got shape [${queuePtr.shape}]`,
      );
    }
    noGrad(() => this.keys.copy_(queue));
    this.#ptr = p;
  }

  dispose(): void {
    this.keys.dispose();
  }
}
