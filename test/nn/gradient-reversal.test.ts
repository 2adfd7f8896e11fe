/**
 * gradientReversal (Ganin et al. 2016): the forward pass is x bit for bit
 * (float32 and float64, −0 included), the backward pass of Σ w ⊙ R_λ(x) is
 * exactly −λ·w, the parameter gradient of a scalar loss through Linear → R_λ
 * → tanh is −λ times the central finite difference of the same loss written
 * in plain float64 on the host (the forward pass is the identity, so the
 * finite difference sees no reversal), λ = 0 cuts the gradient, the
 * reversal composes with other uses of x, and bad λ are refused by name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradientReversal, Linear } from '../../src/nn/index.ts';
import { Generator, grad, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

const host = (t: Tensor): Float64Array => Float64Array.from(t.contiguous().data() as ArrayLike<number>);

describe('gradientReversal', () => {
  it('forward: the values are exactly the input (float32 and float64, signed zeros kept)', () => {
    const rng = new Rng(1);
    for (const dtype of ['float32', 'float64'] as const) {
      const values = rng.normals(60).map((v) => v * 1e3 ** rng.int(-3, 4));
      values[0] = -0;
      values[1] = 0;
      values[2] = 3.4e37;
      tidy(() => {
        const x = tensor(values, [6, 10]).to(dtype).requiresGrad_();
        for (const lambda of [0, 0.1, 1, 7.5]) {
          const y = gradientReversal(x, lambda);
          assert.equal(y.dtype, dtype);
          assert.deepEqual(y.shape, [6, 10]);
          const got = y.contiguous().data() as Float32Array | Float64Array;
          const want = x.detach().contiguous().data() as Float32Array | Float64Array;
          for (let i = 0; i < want.length; i++) {
            assert.ok(Object.is(got[i], want[i]), `${dtype} λ=${lambda} [${i}]: ${got[i]} ≠ ${want[i]}`);
          }
        }
      });
    }
  });

  it('backward of Σ w ⊙ R_λ(x) is exactly −λ·w', () => {
    const rng = new Rng(2);
    const w = rng.normals(12);
    for (const lambda of [0.25, 1, 3]) {
      tidy(() => {
        const x = tensor(rng.normals(12), [3, 4]).requiresGrad_();
        const [g] = grad(
          gradientReversal(x, lambda)
            .mul(tensor(w, [3, 4]))
            .sum(),
          [x],
        );
        assert.deepEqual(
          Array.from(host(g as Tensor)),
          Array.from(w, (v) => -(lambda * v)),
        );
      });
    }
  });

  it('parameter gradient through Linear → R_λ → tanh is −λ × the host finite difference of the loss', () => {
    const rng = new Rng(3);
    const [batch, din, dout] = [5, 4, 3];
    const x = rng.normals(batch * din);
    const v = rng.normals(batch * dout);
    const lambda = 0.7;
    tidy(() => {
      const lin = new Linear(din, dout, { generator: new Generator(5) }).to('float64');
      const weight = host(lin.weight);
      const bias = host(lin.bias as Tensor);
      // L(W, b) = Σ_{i,o} v_io·tanh((x Wᵀ + b)_io), in plain float64: R_λ is the identity forward.
      const loss = (wt: Float64Array, b: Float64Array): number => {
        let s = 0;
        for (let i = 0; i < batch; i++) {
          for (let o = 0; o < dout; o++) {
            let z = b[o] as number;
            for (let j = 0; j < din; j++) z += (x[i * din + j] as number) * (wt[o * din + j] as number);
            s += (v[i * dout + o] as number) * Math.tanh(z);
          }
        }
        return s;
      };
      const central = (p: Float64Array, other: () => number): Float64Array => {
        const h = 1e-6;
        return Float64Array.from(p, (p0, i) => {
          p[i] = p0 + h;
          const up = other();
          p[i] = p0 - h;
          const down = other();
          p[i] = p0;
          return (up - down) / (2 * h);
        });
      };
      const fdW = central(weight, () => loss(weight, bias));
      const fdB = central(bias, () => loss(weight, bias));
      const out = gradientReversal(lin.forward(tensor(x, [batch, din])), lambda)
        .tanh()
        .mul(tensor(v, [batch, dout]))
        .sum();
      const [gW, gB] = grad(out, [lin.weight, lin.bias as Tensor]);
      const cases: [string, Float64Array, Float64Array][] = [
        ['weight', host(gW as Tensor), fdW],
        ['bias', host(gB as Tensor), fdB],
      ];
      for (const [name, got, fd] of cases) {
        for (let i = 0; i < fd.length; i++) {
          const want = -lambda * (fd[i] as number);
          assert.ok(
            Math.abs((got[i] as number) - want) <= 1e-7 + 1e-6 * Math.abs(want),
            `${name}[${i}]: autograd ${got[i]}, −λ·finite difference ${want}`,
          );
        }
        // The reversal is really there: without it the gradient would have the other sign.
        assert.ok(
          got.some((g, i) => Math.sign(g) === -Math.sign(fd[i] as number) && g !== 0),
          name,
        );
      }
    });
  });

  it('λ = 0 gives a zero gradient', () => {
    tidy(() => {
      const x = tensor(new Rng(4).normals(8), [8]).requiresGrad_();
      const [g] = grad(gradientReversal(x, 0).square().sum(), [x]);
      assert.ok(
        host(g as Tensor).every((e) => e === 0),
        'every entry 0',
      );
    });
  });

  it('composes with other uses of x: d/dx (2x + R_λ(x)) = 2 − λ', () => {
    tidy(() => {
      const x = tensor(new Rng(5).normals(6), [6]).requiresGrad_();
      const [g] = grad(x.mul(2).add(gradientReversal(x, 0.5)).sum(), [x]);
      assert.deepEqual(Array.from(host(g as Tensor)), new Array(6).fill(1.5));
    });
  });

  it('refuses a bad λ with a message naming it, and a non-tensor x', () => {
    tidy(() => {
      const x = tensor(new Float64Array(3), [3]);
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined]) {
        assert.throws(
          () => gradientReversal(x, bad as number),
          /^OptionError: gradientReversal: lambda must be a finite number ≥ 0, got /,
          String(bad),
        );
      }
      assert.throws(() => gradientReversal([1, 2] as unknown as Tensor, 1), /gradientReversal: x must be a Tensor/);
    });
  });
});
