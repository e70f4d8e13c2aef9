// Runs before `npm test` and `npm start` on whatever Node is first on the PATH, so it is
// plain JavaScript that even old Node versions parse: it names the version Sluice needs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(
    `Sluice needs Node.js 22.22 or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      'Install Node.js 22.22 or newer (https://nodejs.org/en/download), put it first on your PATH, and run the command again.\n',
  );
  process.exit(1);
}
