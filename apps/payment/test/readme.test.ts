import { describeServiceReadme } from '@myshop/testing';
import * as errors from '../src/errors.ts';
import { buildPayment } from './helpers.ts';

describeServiceReadme({ service: 'payment', readme: new URL('../README.md', import.meta.url), errors, build: buildPayment });
