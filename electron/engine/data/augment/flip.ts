import type { Sample } from './sample';

/** Mirrors a sample left-right in place: pixels and boxes (x -> width - x). */
export function flipHorizontal(s: Sample): Sample {
  const { data, width, height } = s;
  for (let y = 0; y < height; y++) {
    let a = y * width * 3;
    let b = a + (width - 1) * 3;
    while (a < b) {
      for (let c = 0; c < 3; c++) {
        const t = data[a + c] as number;
        data[a + c] = data[b + c] as number;
        data[b + c] = t;
      }
      a += 3;
      b -= 3;
    }
  }
  const bx = s.boxes;
  for (let i = 0; i < bx.length; i += 4) {
    const x1 = bx[i] as number;
    bx[i] = width - (bx[i + 2] as number);
    bx[i + 2] = width - x1;
  }
  s.content = { ...s.content, x: width - s.content.x - s.content.width };
  return s;
}

/** Mirrors a sample top-bottom in place: pixels and boxes (y -> height - y). */
export function flipVertical(s: Sample): Sample {
  const { data, width, height } = s;
  const row = width * 3;
  const tmp = new Uint8Array(row);
  for (let y = 0; y < height >> 1; y++) {
    const a = y * row;
    const b = (height - 1 - y) * row;
    tmp.set(data.subarray(a, a + row));
    data.copyWithin(a, b, b + row);
    data.set(tmp, b);
  }
  const bx = s.boxes;
  for (let i = 0; i < bx.length; i += 4) {
    const y1 = bx[i + 1] as number;
    bx[i + 1] = height - (bx[i + 3] as number);
    bx[i + 3] = height - y1;
  }
  s.content = { ...s.content, y: height - s.content.y - s.content.height };
  return s;
}
