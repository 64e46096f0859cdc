/**
 * Where the ssh:// tests find the tests' own sshd: scripts/sshd.sh exports BERTH_TEST_SSH_*
 * (`scripts/test.sh` does it for `npm test`; by hand: `eval "$(bash scripts/sshd.sh start)"`).
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`npm test\` (scripts/test.sh starts scripts/sshd.sh)`);
  return value;
}

/** `ssh://user@127.0.0.1:PORT` of the sshd whose remote docker is the test daemon. */
export const testSshHost = (): string => required("BERTH_TEST_SSH_HOST");
/** The same sshd's remote without the docker CLI. */
export const testSshNoDockerHost = (): string => required("BERTH_TEST_SSH_NO_DOCKER_HOST");
/** The same sshd's remote that prints a line on stdout first. */
export const testSshStdoutHost = (): string => required("BERTH_TEST_SSH_STDOUT_HOST");
/** The client config (`ssh -F`): key, known_hosts, nothing from ~/.ssh. */
export const testSshConfig = (): string => required("BERTH_TEST_SSH_CONFIG");
/** The sshd's directory (keys, known_hosts, known_hosts_wrong, wrong_id_ed25519). */
export const testSshDir = (): string => required("BERTH_TEST_SSH_DIR");
