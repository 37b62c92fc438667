/**
 * `npm run bench [-- --quick] [-- --only <suite>] [-- --threads N]`: runs every
 * scripts/bench/suite-*.ts in name order, prints the tables and writes bench/results.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../lib';
import { BenchContext, Table, markdown } from './bench/harness';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const only = arg('--only');
  const threads = Number(arg('--threads') ?? ng.getNumThreads());
  const dir = path.join(__dirname, 'bench');
  const suites = fs
    .readdirSync(dir)
    .filter((f) => /^suite-.*\.js$/.test(f))
    .sort()
    .filter((f) => !only || f.includes(only));
  const out: string[] = [
    '# nativegrad benchmarks',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `Node ${process.version}; ${ng.blasConfig()}; ${new Date().toISOString().slice(0, 10)}.`,
    '',
  ];
  const notes: string[] = [];
  for (const f of suites) {
    const name = f.replace(/^suite-|\.js$/g, '');
    process.stderr.write(`bench: ${name} …\n`);
    const ctx: BenchContext = {
      threads,
      quick,
      table: (t: Table) => {
        const md = markdown(t);
        console.log(md + '\n');
        out.push(md, '');
      },
      note: (s: string) => {
        console.log(`note: ${s}`);
        notes.push(s);
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const suite = require(path.join(dir, f)) as { run(ctx: BenchContext): Promise<void> | void };
    ng.setNumThreads(threads);
    await suite.run(ctx);
  }
  if (notes.length) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  const resultsDir = path.join(__dirname, '..', '..', 'bench');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, only || quick ? 'results-partial.md' : 'results.md');
  fs.writeFileSync(file + '.tmp', out.join('\n'));
  fs.renameSync(file + '.tmp', file);
  console.error(`bench: wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
