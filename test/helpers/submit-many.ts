// Child process of test/nonce.test.ts: post N jobs at once from one key (one process among
// several doing the same), print the job ids as JSON.
// Usage: node --import tsx test/helpers/submit-many.ts <devnet.json> <job.json> <N> <account>
import { parseEther } from 'ethers';
import { readDevnet } from '../../chain/devnet.ts';
import { submitJob } from '../../cli/commands/job-submit.ts';

const [file, jobFile, n, account] = process.argv.slice(2);
const info = readDevnet(file);
const subs = await Promise.all(Array.from({ length: Number(n) }, () => submitJob({
  net: info, privateKey: info.accounts[Number(account)].privateKey, jobFile, reward: parseEther('0.01'), stake: parseEther('0.1'),
  bond: parseEther('0.01'), claimWindow: 3600n, solveTime: 3600n, challengeWindow: 600n,
})));
process.stdout.write(JSON.stringify(subs.map((s) => String(s.jobId))) + '\n');
