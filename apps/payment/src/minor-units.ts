/**
 * The currencies whose minor unit is not a hundredth, by their number of decimals, as Node's ICU
 * (CLDR 48) gives them for `Intl.NumberFormat`'s currency style: CLDR's digits, which differ from
 * ISO 4217's for a few (HUF, IDR, PKR… 0). Written out because asking ICU costs the process for
 * good what its number formatting loads: 5 MB of the node binary's pages and 2 MB of heap, for
 * one answer at start-up. test/minor-units.test.ts holds the table to the runtime's data for every
 * currency it knows, so a Node with other data fails there rather than here.
 */
const DECIMALS = new Map<string, number>([
  ...decimals(
    0,
    'AFN ALL BIF CLP COP DJF GNF HUF IDR IQD IRR ISK JPY KMF KPW KRW LAK LBP MGA MMK PKR PYG RWF SLL SOS SYP UGX VND VUV XAF XOF XPF YER',
  ),
  ...decimals(3, 'BHD JOD KWD LYD OMR TND'),
]);

function decimals(count: number, codes: string): Array<[string, number]> {
  return codes.split(' ').map((code) => [code, count]);
}

/** Minor units in one major unit of the currency (100 for USD, 1 for JPY; 100 for a code it does not know). */
export function minorUnitsPerMajor(currency: string): number {
  return 10 ** (DECIMALS.get(currency) ?? 2);
}
