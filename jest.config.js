// Root config: every project's jest.config.js, so `npx jest` runs the whole suite.
const fs = require('node:fs');
const path = require('node:path');

function findConfigs(dir, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findConfigs(full, found);
    else if (entry.name === 'jest.config.js' && dir !== __dirname) found.push(full);
  }
  return found;
}

module.exports = {
  projects: ['apps', 'libs', 'tools']
    .filter((d) => fs.existsSync(path.join(__dirname, d)))
    .flatMap((d) => findConfigs(path.join(__dirname, d))),
};
