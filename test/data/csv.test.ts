/** CSV loader: parsing rules, header detection, label column, gzip, and errors naming line and column. */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as ng from '../../lib';

describe('data: loadCsv', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-csv-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('reads numeric rows with the label in the last column', () => {
    const { x, y, columns } = ng.data.loadCsv(write('a.csv', '1,2.5,0\n-3,4e-2,2\n.5,+7,1\n'));
    expect(x.shape).to.deep.equal([3, 2]);
    expect(Array.from(x.data)).to.deep.equal([1, 2.5, -3, 4e-2, 0.5, 7].map(Math.fround));
    expect(y, "'auto': integer targets are classes").to.be.instanceOf(Int32Array);
    expect(Array.from(y as Int32Array)).to.deep.equal([0, 2, 1]);
    expect(columns).to.equal(undefined);
  });

  it("detects a header ('auto'), or takes header: true/false at its word", () => {
    const text = 'a,b,label\n1,2,3\n4,5,6\n';
    const auto = ng.data.loadCsv(write('h.csv', text));
    expect(auto.x.shape).to.deep.equal([2, 2]);
    expect(auto.columns).to.deep.equal(['a', 'b', 'label']);
    expect(ng.data.loadCsv(write('n.csv', '1,2,3\n4,5,6\n'), { header: true }).x.shape).to.deep.equal([1, 2]);
    expect(() => ng.data.loadCsv(write('h2.csv', text), { header: false })).to.throw(/line 1, column 1: "a" is not a number/);
  });

  it('takes the label from any column, a delimiter, CRLF, quotes, blank lines and a BOM', () => {
    const text = '\ufeff"y";x1;x2\r\n2; 1.5 ;"3"\r\n\r\n0;4;5\r\n\n';
    const { x, y, columns } = ng.data.loadCsv(write('b.csv', text), { labelColumn: 0, delimiter: ';', targetType: 'class' });
    expect(Array.from(y)).to.deep.equal([2, 0]);
    expect(Array.from(x.data)).to.deep.equal([1.5, 3, 4, 5]);
    expect(columns).to.deep.equal(['x1', 'x2', 'y']);
    expect(Array.from(ng.data.loadCsv(write('c.csv', '7,1,2\n'), { labelColumn: -3, targetType: 'class' }).y)).to.deep.equal([7]);
  });

  it("loads a regression CSV: float targets by 'auto', or by targetType 'float' even when integral", () => {
    const { x, y } = ng.data.loadCsv(write('r.csv', 'x1,x2,price\n1,2,3.25\n4,5,-1\n6,7,10\n'));
    expect(x.shape).to.deep.equal([3, 2]);
    expect(y).to.be.instanceOf(ng.Tensor);
    expect((y as ng.Tensor).shape).to.deep.equal([3]);
    expect(Array.from((y as ng.Tensor).data)).to.deep.equal([3.25, -1, 10]);
    const ints = ng.data.loadCsv(write('r2.csv', '1,2\n3,4\n'), { targetType: 'float' });
    expect(Array.from(ints.y.data)).to.deep.equal([2, 4]);
    expect(() => ng.data.loadCsv(write('r3.csv', '1,2.5\n'), { targetType: 'class' })).to.throw(/line 1, column 2: the label 2.5 is not a non-negative integer class index \(pass targetType: 'float'/);
    expect(() => ng.data.loadCsv(write('r4.csv', '1,2\n'), { targetType: 'double' as never })).to.throw(TypeError, /argument 'targetType' must be 'auto', 'class' or 'float'/);
    expect(() => ng.data.loadCsv(write('r5.csv', '1,2\n'), { label_column: 0 } as never)).to.throw(TypeError, /PyTorch's 'label_column' is 'labelColumn' here/);
  });

  it('reads gzipped files', () => {
    const p = write('g.csv.gz', zlib.gzipSync('1,2,1\n3,4,0\n'));
    expect(Array.from(ng.data.loadCsv(p).x.data)).to.deep.equal([1, 2, 3, 4]);
  });

  it('names the line and column of a non-numeric field', () => {
    const p = write('bad.csv', '1,2,0\n3,x7,1\n');
    expect(() => ng.data.loadCsv(p)).to.throw(Error, /bad\.csv, line 2, column 2: "x7" is not a number/);
    for (const field of ['', ' ', '0x10', 'NaN', '1,5', '1_000', '--1', 'abc', '0b1', '1e']) {
      const q = write('f.csv', `1,2,0\n5,${field},1\n`);
      expect(() => ng.data.loadCsv(q), JSON.stringify(field)).to.throw(/line 2, column 2|line 2: \d+ fields/);
    }
    expect(() => ng.data.loadCsv(write('hdr.csv', 'a,b,c\n1,2,0\nq,2,1\n'))).to.throw(/line 3, column 1 \('a'\)/);
  });

  it('rejects ragged rows, bad labels, empty files and out-of-range label columns', () => {
    expect(() => ng.data.loadCsv(write('r.csv', '1,2,0\n3,1\n'))).to.throw(/line 2: 2 fields, expected 3/);
    expect(() => ng.data.loadCsv(write('l.csv', '1,2,0.5\n'), { targetType: 'class' })).to.throw(/line 1, column 3: the label 0.5 is not a non-negative integer/);
    expect(() => ng.data.loadCsv(write('n.csv', '1,2,-1\n'), { targetType: 'class' })).to.throw(/the label -1/);
    expect(() => ng.data.loadCsv(write('e.csv', '\n\n'))).to.throw(/no data/);
    expect(() => ng.data.loadCsv(write('one.csv', '1\n2\n'))).to.throw(/1 field; a feature column and a label column/);
    expect(() => ng.data.loadCsv(write('k.csv', '1,2\n'), { labelColumn: 2 })).to.throw(/labelColumn 2 is out of range for 2 columns/);
    expect(() => ng.data.loadCsv(write('k.csv', '1,2\n'), { delimiter: '' })).to.throw(/delimiter/);
    expect(() => ng.data.loadCsv(path.join(dir, 'missing.csv'))).to.throw(/no such file/);
    expect(() => ng.data.loadCsv(write('z.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0])))).to.throw(/gzip stream is (truncated|corrupt)/);
  });

  it('loadDigits reads the shipped digits: 1797 × 64 pixel counts 0…16, labels 0…9 (about 180 each)', () => {
    const { x, y } = ng.data.loadDigits();
    expect(x.shape).to.deep.equal([1797, 64]);
    expect(y.length).to.equal(1797);
    expect(Math.min(...x.data)).to.equal(0);
    expect(Math.max(...x.data)).to.equal(16);
    const counts = new Array(10).fill(0);
    for (const v of y) counts[v]++;
    for (const c of counts) expect(c).to.be.within(174, 183);
    expect(Array.from(x.data.subarray(0, 8))).to.deep.equal([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(y[0]).to.equal(0);
  });
});
