// n8n loads the nodes and credentials listed under "n8n" in package.json; this file is only the
// package's `main` entry point, kept so that `require('n8n-nodes-vlogme')` resolves.
module.exports = {};
