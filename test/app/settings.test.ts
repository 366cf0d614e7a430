import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SettingsStore } from '../../electron/app/settings';
import { KestrelError } from '../../electron/shared/errors';

test('settings persist across opens, recents stay unique and newest first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-settings-'));
  try {
    const s = await SettingsStore.open(dir);
    assert.equal(s.get().locale, 'en');
    await s.set({ locale: 'zh', lastModel: { scale: 's', imgsz: 416 } });
    await s.addRecent('/data/a');
    await s.addRecent('/data/b/');
    await s.addRecent('/data/a');
    const again = await SettingsStore.open(dir);
    assert.equal(again.get().locale, 'zh');
    assert.deepEqual(again.get().lastModel, { scale: 's', imgsz: 416 });
    assert.deepEqual(again.get().recentProjects.map((r) => [r.path, r.name]), [['/data/a', 'a'], ['/data/b/', 'b']]);
    assert.equal(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).locale, 'zh');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt settings file gives the defaults instead of stopping the app', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-settings-'));
  try {
    writeFileSync(join(dir, 'settings.json'), '{"locale": "klingon", ');
    const s = await SettingsStore.open(dir);
    assert.equal(s.get().locale, 'en');
    assert.deepEqual(s.get().recentProjects, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a settings file broken in one field keeps the others; a runs folder that is not a full path is dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-settings-'));
  try {
    const recent = { path: '/data/good', name: 'good', openedAt: '2025-01-01T00:00:00.000Z' };
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ locale: 'zh', runsDir: '../../etc', recentProjects: [recent, { path: 'relative', name: 'x', openedAt: 'y' }], lastModel: { scale: 'q', imgsz: 1 } }),
    );
    const s = await SettingsStore.open(dir);
    assert.equal(s.get().locale, 'zh');
    assert.equal(s.get().runsDir, null);
    assert.deepEqual(s.get().recentProjects, [recent]);
    assert.deepEqual(s.get().lastModel, { scale: 'n', imgsz: 320 });
    for (const runsDir of ['/', 'C:\\runs', '/srv/runs']) {
      writeFileSync(join(dir, 'settings.json'), JSON.stringify({ runsDir }));
      assert.equal((await SettingsStore.open(dir)).get().runsDir, runsDir);
    }
    for (const runsDir of ['', 'runs', '/a\0b', '/' + 'x'.repeat(5000), 42]) {
      writeFileSync(join(dir, 'settings.json'), JSON.stringify({ runsDir }));
      assert.equal((await SettingsStore.open(dir)).get().runsDir, null, JSON.stringify(runsDir).slice(0, 40));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recents remember only full paths, and a failed save is a coded FS error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-settings-'));
  try {
    const s = await SettingsStore.open(dir);
    await s.addRecent('relative/data');
    assert.deepEqual(s.get().recentProjects, []);
    // The user-data folder replaced by a file: the next save fails with FS_NOT_A_FOLDER, not INTERNAL.
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a folder');
    await assert.rejects(s.set({ locale: 'zh' }), (err: unknown) => err instanceof KestrelError && err.code === 'FS_NOT_A_FOLDER');
    // Later writes are not blocked by the failed one.
    rmSync(dir, { force: true });
    await s.set({ locale: 'en' });
    assert.equal(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).locale, 'en');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
