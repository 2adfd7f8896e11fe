/**
 * The README's library example, runnable: `npx tsx examples/quickstart.ts [steps] [out.safetensors]`.
 * Trains the small ConvNet with a linear head on real MNIST digits, saves the
 * encoder as a safetensors file PyTorch can read, reloads it and checks it.
 */
import { mnist } from '../src/data/index.ts';
import { ConvNet, Linear, loadModule, saveModule } from '../src/nn/index.ts';
import { applySchedule, SGD, splitWeightDecay, warmupCosine } from '../src/optim/index.ts';
import { Generator, nnf, noGrad, randperm, tidy } from '../src/tensor/index.ts';

const steps = Number(process.argv[2] ?? 200);
const out = process.argv[3] ?? 'encoder.safetensors';
const { train, test } = mnist(); // uint8 N×1×28×28 images, int64 labels
const gen = new Generator(0); // one seeded stream: the run is reproducible
const encoder = new ConvNet({ inChannels: 1, generator: gen }).channelsLast();
const head = new Linear(encoder.featureDim, 10, { generator: gen });
const opt = new SGD([...splitWeightDecay(encoder, 5e-4), ...splitWeightDecay(head, 5e-4)], { lr: 0.1, momentum: 0.9 });
const schedule = warmupCosine({ baseLr: 0.1, warmupSteps: Math.max(1, Math.floor(steps / 10)), totalSteps: steps });
const toInput = (images: typeof train.images) => images.float().div(255).sub(0.1307).div(0.3081).channelsLast();

for (let step = 0; step < steps; step++) {
  applySchedule(opt, schedule, step);
  const loss = tidy(() => {
    // every temporary of the step is freed when tidy returns
    const idx = randperm(60000, { generator: gen }).narrow(0, 0, 256);
    const logits = head.forward(encoder.forward(toInput(train.images.indexSelect(0, idx))));
    const l = nnf.crossEntropy(logits, train.labels.indexSelect(0, idx));
    opt.zeroGrad();
    l.backward();
    opt.step();
    return l.item();
  });
  if (step % 50 === 0 || step === steps - 1) console.log(`step ${step}  loss ${loss.toFixed(4)}`);
}

encoder.eval();
head.eval();
const accuracy = (enc: ConvNet) =>
  tidy(() =>
    noGrad(() => {
      const x = toInput(test.images.narrow(0, 0, 2000));
      return head
        .forward(enc.forward(x))
        .argmax(1)
        .eq(test.labels.narrow(0, 0, 2000))
        .float()
        .mean()
        .item();
    }),
  );
console.log(`test accuracy (first 2,000 digits): ${(100 * accuracy(encoder)).toFixed(2)}%`);

saveModule(out, encoder); // PyTorch reads it with safetensors.torch.load_file(out)
const again = new ConvNet({ inChannels: 1 });
loadModule(out, again);
again.eval();
console.log(`reloaded encoder accuracy: ${(100 * accuracy(again)).toFixed(2)}%`);
