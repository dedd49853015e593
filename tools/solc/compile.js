#!/usr/bin/env node
// Compiles the Solidity sources of every protocol (sim/protocols/<protocol>/contracts/**/*.sol)
// with the pinned solc-js and fixed settings, and writes one JSON artifact per contract to
// sim/protocols/<protocol>/artifacts/<ContractName>.json.
//
//   node tools/solc/compile.js           write artifacts, remove stale ones
//   node tools/solc/compile.js --check   compile in memory, compare byte for byte with the
//                                        committed artifacts, exit 1 on any difference
//
// See README.md in this folder for the settings and the artifact format.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PROTOCOLS_DIR = path.join(REPO_ROOT, 'sim', 'protocols');

const OPTIMIZER_RUNS = 200;
const EVM_VERSION = 'prague';
const COMPILER = 'solc-' + solc.version().split('+')[0];

const SETTINGS = {
  optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
  evmVersion: EVM_VERSION,
  viaIR: false,
  // No metadata hash and no CBOR trailer: bytecode then depends only on the code, not on
  // source paths, comments or formatting.
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

class CompileError extends Error {}

function byName(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/// Relative paths (with '/') of every .sol file below `dir`, sorted.
function solidityFiles(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))) {
    const rel = prefix ? prefix + '/' + entry.name : entry.name;
    if (entry.isDirectory()) {
      out.push(...solidityFiles(path.join(dir, entry.name), rel));
    } else if (entry.isFile() && entry.name.endsWith('.sol')) {
      out.push(rel);
    }
  }
  return out;
}

/// Protocol folders that have contracts or artifacts (artifacts alone are all stale).
function protocols() {
  return fs
    .readdirSync(PROTOCOLS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((p) => isDir(path.join(PROTOCOLS_DIR, p, 'contracts')) || isDir(path.join(PROTOCOLS_DIR, p, 'artifacts')))
    .sort(byName);
}

/// Resolves an import of another protocol's source, e.g. `import "token/Token.sol";`, to
/// sim/protocols/token/contracts/Token.sol. Nothing outside those folders is reachable.
function findImport(sourceUnitName) {
  const parts = sourceUnitName.split('/');
  if (parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..')) {
    return { error: `import "${sourceUnitName}" is not of the form <protocol>/<file>.sol` };
  }
  const file = path.join(PROTOCOLS_DIR, parts[0], 'contracts', ...parts.slice(1));
  try {
    return { contents: fs.readFileSync(file, 'utf8') };
  } catch {
    return { error: `import "${sourceUnitName}" not found (looked for ${path.relative(REPO_ROOT, file)})` };
  }
}

/// Sorts object keys recursively so the artifact text does not depend on solc's key order.
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort(byName)) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/// Compiles one protocol and returns a Map of artifact file name -> file text.
function compileProtocol(protocol) {
  const contractsDir = path.join(PROTOCOLS_DIR, protocol, 'contracts');
  const artifacts = new Map();
  if (!isDir(contractsDir)) return artifacts;
  const files = solidityFiles(contractsDir);
  if (files.length === 0) return artifacts;

  const sources = {};
  const hashes = {};
  for (const rel of files) {
    const bytes = fs.readFileSync(path.join(contractsDir, ...rel.split('/')));
    const unit = protocol + '/' + rel;
    sources[unit] = { content: bytes.toString('utf8') };
    hashes[unit] = '0x' + crypto.createHash('sha256').update(bytes).digest('hex');
  }

  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));

  const diagnostics = output.errors || [];
  for (const d of diagnostics) {
    const text = (d.formattedMessage || d.message).trimEnd();
    console.error(text);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new CompileError(`${protocol}: solc reported ${errors.length} error(s)`);
  }

  for (const unit of Object.keys(output.contracts || {}).sort(byName)) {
    // Contracts of other protocols' imported files belong to those protocols' artifacts.
    if (!(unit in sources)) continue;
    for (const name of Object.keys(output.contracts[unit]).sort(byName)) {
      const contract = output.contracts[unit][name];
      const file = name + '.json';
      if (artifacts.has(file)) {
        throw new CompileError(`${protocol}: contract name ${name} is defined twice; artifact names must be unique per protocol`);
      }
      const bytecode = contract.evm.bytecode.object;
      const deployed = contract.evm.deployedBytecode.object;
      if (bytecode.includes('__$') || deployed.includes('__$')) {
        throw new CompileError(`${unit}:${name} needs library linking, which the artifacts do not support; make library functions internal`);
      }
      const artifact = sortKeys({
        contractName: name,
        sourceName: unit,
        compiler: COMPILER,
        settings: { optimizer: SETTINGS.optimizer.enabled, runs: OPTIMIZER_RUNS, evmVersion: EVM_VERSION },
        sourceHash: hashes[unit],
        abi: contract.abi,
        bytecode: '0x' + bytecode,
        deployedBytecode: '0x' + deployed,
      });
      artifacts.set(file, JSON.stringify(artifact, null, 2) + '\n');
    }
  }
  return artifacts;
}

/// Committed artifact files (*.json) of a protocol, sorted.
function committedArtifacts(protocol) {
  const dir = path.join(PROTOCOLS_DIR, protocol, 'artifacts');
  if (!isDir(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort(byName);
}

function main(argv) {
  const args = argv.slice(2);
  if (args.length > 1 || (args.length === 1 && args[0] !== '--check')) {
    console.error('usage: node tools/solc/compile.js [--check]');
    return 2;
  }
  const check = args[0] === '--check';

  let total = 0;
  const problems = [];
  for (const protocol of protocols()) {
    const expected = compileProtocol(protocol);
    const dir = path.join(PROTOCOLS_DIR, protocol, 'artifacts');
    const rel = (file) => path.relative(REPO_ROOT, path.join(dir, file)).split(path.sep).join('/');
    total += expected.size;

    for (const [file, text] of expected) {
      const target = path.join(dir, file);
      const current = fs.existsSync(target) ? fs.readFileSync(target) : null;
      const wanted = Buffer.from(text, 'utf8');
      if (current !== null && current.equals(wanted)) continue;
      if (check) {
        problems.push(`${current === null ? 'missing' : 'differs'}: ${rel(file)}`);
      } else {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(target, wanted);
        console.log(`wrote ${rel(file)}`);
      }
    }
    for (const file of committedArtifacts(protocol)) {
      if (expected.has(file)) continue;
      if (check) {
        problems.push(`stale: ${rel(file)}`);
      } else {
        fs.unlinkSync(path.join(dir, file));
        console.log(`removed stale ${rel(file)}`);
      }
    }
  }

  if (check) {
    if (problems.length > 0) {
      for (const p of problems) console.error(p);
      console.error(`${problems.length} artifact file(s) do not match their sources; run: node tools/solc/compile.js`);
      return 1;
    }
    console.log(`artifacts match their sources (${total} files)`);
  } else {
    console.log(`artifacts up to date (${total} files)`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (err) {
  if (err instanceof CompileError) {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
