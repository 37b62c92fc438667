/**
 * Child process of the Trainer crash test (not a test file itself): trains a small model with
 * Trainer.fit, writing a checkpoint to argv[2] after every epoch, and prints
 * "epoch <e> <checksum>" at the end of each epoch, just before that epoch's checkpoint is written.
 * The checksum is the sum (in double) of the first layer's weights. The parent SIGKILLs it at a
 * random moment. The first layer is wide (256 → 2048: a 6 MB checkpoint with Adam's state) and the
 * data set one batch, so most of the child's time is spent writing checkpoints.
 */
import * as ng from '../../lib';

export function build(): { trainer: ng.Trainer; loader: ng.data.DataLoader; first: ng.nn.Linear } {
  ng.manualSeed(5);
  const first = new ng.nn.Linear(256, 2048);
  const model = new ng.nn.Sequential(first, new ng.nn.ReLU(), new ng.nn.Linear(2048, 10));
  const x = ng.randn([64, 256]);
  const y = Int32Array.from({ length: 64 }, (_, i) => i % 10);
  const loader = new ng.data.DataLoader(new ng.data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 3 });
  const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.Adam(model.parameters(), { lr: 1e-3 }) });
  return { trainer, loader, first };
}

export function checksum(t: ng.Tensor): number {
  let s = 0;
  for (const v of t.data) s += v;
  return s;
}

if (require.main === module) {
  const { trainer, loader, first } = build();
  void trainer.fit(loader, {
    epochs: 1_000_000,
    progress: false,
    checkpoint: { path: process.argv[2] },
    callbacks: {
      onEpochEnd: (log) => {
        process.stdout.write(`epoch ${log.epoch} ${checksum(first.weight)}\n`);
      },
    },
  });
}
