// Genesys Cloud region domains, from the JS SDK 262 PureCloudRegionHosts (spec §1).
// API base = https://api.<domain>, login base = https://login.<domain>.
export const GENESYS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  'mypurecloud.com': 'us-east-1 (N. Virginia)',
  'mypurecloud.ie': 'eu-west-1 (Ireland)',
  'mypurecloud.com.au': 'ap-southeast-2 (Sydney)',
  'mypurecloud.jp': 'ap-northeast-1 (Tokyo)',
  'mypurecloud.de': 'eu-central-1 (Frankfurt)',
  'usw2.pure.cloud': 'us-west-2 (Oregon)',
  'cac1.pure.cloud': 'ca-central-1 (Canada)',
  'apne2.pure.cloud': 'ap-northeast-2 (Seoul)',
  'euw2.pure.cloud': 'eu-west-2 (London)',
  'aps1.pure.cloud': 'ap-south-1 (Mumbai)',
  'use2.us-gov-pure.cloud': 'us-east-2 (FedRAMP)',
  'sae1.pure.cloud': 'sa-east-1 (São Paulo)',
  'mec1.pure.cloud': 'me-central-1 (UAE)',
  'apne3.pure.cloud': 'ap-northeast-3 (Osaka)',
  'euc2.pure.cloud': 'eu-central-2 (Zurich)',
  'mxc1.pure.cloud': 'mx-central-1 (Mexico)',
  'apse1.pure.cloud': 'ap-southeast-1 (Singapore)',
  'edee1.eusc-pure.cloud': 'EU sovereign cloud',
});

/** Accepts what people paste: `https://api.mypurecloud.com/`, `login.sae1.pure.cloud`, `MyPureCloud.com`. */
export function normalizeRegion(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^(api|login|apps)\./, '')
    .replace(/\/+$/, '');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known domains closest to a mistyped one, best first. */
export function nearestRegions(input: string, count = 3): string[] {
  const n = normalizeRegion(input);
  return Object.keys(GENESYS_REGIONS)
    .map((d) => ({ d, score: editDistance(n, d) }))
    .sort((x, y) => x.score - y.score)
    .slice(0, count)
    .map((x) => x.d);
}
