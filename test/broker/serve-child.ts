// A tiny entry the broker tests spawn: `node serve-child.js <serve args…>` runs `seglog serve` in a
// real child process (the CLI's main.ts dispatches to the same serveCommand).
import { serveCommand } from '../../lib/cli/serve.js';

const code = await serveCommand(process.argv.slice(2));
process.exit(code);
