/**
 * unenterableFolder: running as root, the database server runs as the `postgres` account; a data
 * folder below a folder that account may not enter must be named in initdb's error, not left as a
 * bare "Permission denied". Pure stat checks, so this runs as any user.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unenterableFolder } from "../src/postgres/binaries.ts";

const stranger = { uid: 54_321, gid: 54_321 };

test("a private folder on the way is named; opened for others, nothing is", () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), "pg-access-"));
  try {
    const dataDir = path.join(top, "postgres", "data");
    fs.mkdirSync(dataDir, { recursive: true });
    fs.chmodSync(top, 0o700);
    assert.equal(unenterableFolder(dataDir, stranger), top);
    fs.chmodSync(top, 0o711);
    assert.equal(unenterableFolder(dataDir, stranger), undefined);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test("the owner's and the group's own search bits count for them, not the others' bit", () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), "pg-access-"));
  try {
    const { uid, gid } = fs.statSync(top);
    fs.chmodSync(top, 0o611);
    assert.equal(unenterableFolder(top, { uid, gid }), top, "the owner has no search bit, though group and others do");
    fs.chmodSync(top, 0o701);
    assert.equal(unenterableFolder(top, { uid: stranger.uid, gid }), top, "the group has no search bit, though others do");
    fs.chmodSync(top, 0o710);
    assert.equal(unenterableFolder(top, { uid, gid }), undefined);
    assert.equal(unenterableFolder(top, { uid: stranger.uid, gid }), undefined);
    assert.equal(unenterableFolder(top, stranger), top);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test("folders not created yet are not reported", () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), "pg-access-"));
  try {
    fs.chmodSync(top, 0o755);
    assert.equal(unenterableFolder(path.join(top, "not", "yet"), stranger), undefined);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});
