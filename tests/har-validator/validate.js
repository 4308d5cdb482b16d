#!/usr/bin/env node
// Validates HAR files with the har-validator package (JSON schema of HAR 1.2).
// Usage: node validate.js FILE.har [...]; exit 0 when all are valid, 1 otherwise, 2 on usage errors.
'use strict';
const fs = require('fs');
const validate = require('har-validator');

async function check(path) {
  let data;
  try {
    data = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    console.error(`${path}: not JSON: ${e.message}`);
    return false;
  }
  try {
    await validate.har(data);
    return true;
  } catch (e) {
    const details = (e.errors || []).map(x => `${x.dataPath || x.instancePath || ''} ${x.message}`).join('; ');
    console.error(`${path}: invalid HAR: ${details || e.message}`);
    return false;
  }
}

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node validate.js FILE.har [...]');
    process.exit(2);
  }
  let ok = true;
  for (const f of files) ok = (await check(f)) && ok;
  process.exit(ok ? 0 : 1);
})();
