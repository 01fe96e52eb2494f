// Test only: an attacker's DNS, for a real n8n started by the e2e suite with
// NODE_OPTIONS="--require <this file>". The one name in FLUX_E2E_INWARD_NAME resolves to 127.0.0.1
// (Node's dns.lookup, which sockets use, and dns.promises.lookup, which n8n 2.x's egress filter
// uses); every other name resolves as usual. The machine's DNS configuration is not touched.
'use strict';

const dns = require('node:dns');

const name = process.env.FLUX_E2E_INWARD_NAME;
if (name) {
	const answer = { address: '127.0.0.1', family: 4 };
	const lookup = dns.lookup;
	dns.lookup = function (host, options, callback) {
		if (typeof options === 'function') return dns.lookup(host, {}, options);
		if (String(host).toLowerCase() !== name)
			return lookup.call(this, host, options, callback);
		const all = typeof options === 'object' && options !== null && options.all;
		process.nextTick(() =>
			all ? callback(null, [answer]) : callback(null, answer.address, answer.family),
		);
		return undefined;
	};
	const lookupPromise = dns.promises.lookup;
	dns.promises.lookup = async function (host, options) {
		if (String(host).toLowerCase() !== name) return lookupPromise.call(this, host, options);
		const all = typeof options === 'object' && options !== null && options.all;
		return all ? [answer] : answer;
	};
}
