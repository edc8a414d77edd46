import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import { zipDirectory } from '../src/zip';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Reads a ZIP through its central directory, as unzip and Lambda do. */
function unzip(zip: Buffer): Record<string, string> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    const localNameLength = zip.readUInt16LE(localOffset + 26);
    const dataStart = localOffset + 30 + localNameLength;
    const data = inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize));
    expect(crc32(data)).toBe(crc);
    files[name] = data.toString('utf8');
    p += 46 + nameLength;
  }
  return files;
}

function bundleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({ batchItemFailures: [] });');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'util.js'), 'module.exports = 42;');
  return dir;
}

describe('zipDirectory', () => {
  it('zips every file with its relative path and content', () => {
    // GIVEN a bundle directory with a nested file
    // WHEN it is zipped
    // THEN reading the ZIP back gives the same files
    expect(unzip(zipDirectory(bundleDir()))).toEqual({
      'index.js': 'exports.handler = async () => ({ batchItemFailures: [] });',
      'lib/util.js': 'module.exports = 42;',
    });
  });

  it('gives the same bytes for the same content', () => {
    // GIVEN two directories with identical files, written at different times
    // WHEN both are zipped
    // THEN the archives are identical (no timestamps), so uploads are reproducible
    expect(zipDirectory(bundleDir()).equals(zipDirectory(bundleDir()))).toBe(true);
  });
});
