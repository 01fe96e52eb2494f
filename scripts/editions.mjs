// Builds the four one-provider editions into editions/ (testkit/editions.mjs): `npm run pack:editions`.
import { main } from '../testkit/editions.mjs';

main();
