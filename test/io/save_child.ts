/**
 * Child process for the crash-safety test (not a test file itself): saves a large state to
 * argv[2] again and again, generation g holding the value g everywhere, and prints "saved g" after
 * each save returns. The parent SIGKILLs it at a random moment.
 */
import * as ng from '../../lib';

const file = process.argv[2];
const elements = Number(process.argv[3] ?? 4_000_000);
const w = ng.zeros([elements]);
const b = ng.zeros([1000]);
for (let gen = 1; ; gen++) {
  w.data.fill(gen);
  b.data.fill(-gen);
  ng.save(file, { w, b }, { gen: String(gen) });
  process.stdout.write(`saved ${gen}\n`);
}
