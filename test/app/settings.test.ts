import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SettingsStore } from '../../electron/app/settings';

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
