// The confusion matrix as MatrixTable rows: shades by count, the real classes' diagonal marked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confusionRows, heatOf } from '../../renderer/src/lib/matrix-table';

test('shades scale to the largest count, an empty matrix stays pale', () => {
  assert.equal(heatOf(0, 0), 0);
  assert.equal(heatOf(5, 10), 5);
  assert.equal(heatOf(10, 10), 9);
  assert.equal(heatOf(3, 0), 9, 'never more than 9');
});

test('rows per predicted class and the missed row; the diagonal of classes only', () => {
  const rows = confusionRows(
    [
      [4, 1, 0],
      [0, 2, 1],
      [1, 0, 0],
    ],
    ['scratch', 'dent', 'missed'],
    2,
  );
  assert.deepEqual(rows.map((r) => r.label), ['scratch', 'dent', 'missed']);
  assert.deepEqual(rows[0]!.cells[0], { text: '4', heat: 9, mark: 'diag' });
  assert.deepEqual(rows[0]!.cells[1], { text: '1', heat: 2 });
  assert.equal(rows[1]!.cells[1]!.mark, 'diag');
  assert.equal(rows[2]!.cells[2]!.mark, undefined, 'background against background is no class');
});
