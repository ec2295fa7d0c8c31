/**
 * Real small file systems for disk-full tests: a tmpfs with a size limit, or an ext4 image
 * loop-mounted (we run as root). Each mount lives under a per-test temporary directory and is
 * unmounted by `unmountSmallFileSystems()` in teardown, even when the test failed; a mount that
 * is still busy is detached lazily so nothing is ever left mounted. A missing tool (mount,
 * mkfs.ext4) or a refused mount throws: the test fails, it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

export type SmallFsKind = 'tmpfs' | 'ext4';

interface Mounted {
  mountPoint: string;
  image: string | null;
  root: string;
}

const mounted: Mounted[] = [];
let exitHookInstalled = false;

/** Belt and braces: a test file that exits between mount and teardown still unmounts. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    try {
      unmountSmallFileSystems();
    } catch {
      // Nothing more can be done while exiting; the failure was the test's to report.
    }
  });
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
}

/** Mounts a file system of about `sizeBytes` and returns its (empty, writable) mount point. */
export function mountSmallFileSystem(kind: SmallFsKind, sizeBytes: number): string {
  installExitHook();
  const root = tempDir('seglog-smallfs-');
  const mountPoint = join(root, 'mnt');
  mkdirSync(mountPoint);
  if (kind === 'tmpfs') {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', mountPoint]);
    mounted.push({ mountPoint, image: null, root });
    return mountPoint;
  }
  const image = join(root, 'fs.img');
  run('truncate', ['-s', String(sizeBytes), image]);
  run('mkfs.ext4', ['-q', '-F', image]);
  run('mount', ['-o', 'loop', image, mountPoint]);
  mounted.push({ mountPoint, image, root });
  return mountPoint;
}

/** Unmounts every file system mounted by this process (teardown); a busy one is detached lazily. */
export function unmountSmallFileSystems(): void {
  const failures: string[] = [];
  for (const m of mounted.splice(0).reverse()) {
    const plain = spawnSync('umount', [m.mountPoint], { encoding: 'utf8' });
    if (plain.status !== 0) {
      const lazy = spawnSync('umount', ['-l', m.mountPoint], { encoding: 'utf8' });
      if (lazy.status !== 0) {
        // Never remove a directory tree that may still have a file system mounted inside it.
        failures.push(`${m.mountPoint}: ${plain.stderr.trim()} / ${lazy.stderr.trim()}`);
        continue;
      }
    }
    rmSync(m.root, { recursive: true, force: true });
  }
  if (failures.length > 0) throw new Error(`could not unmount: ${failures.join('; ')}`);
}
