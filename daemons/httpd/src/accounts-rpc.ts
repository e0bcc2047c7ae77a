import type { Static } from 'typebox';
import type { Accounts } from './accounts.js';
import type { AccountT } from './contract.js';

type Account = Static<typeof AccountT>;
type Role = Account['role'];

/**
 * The account methods onvifd's GetUsers/CreateUsers/SetUser/DeleteUsers call: the same accounts
 * and rules as pwdgrp.cgi (names, password characters, 100 accounts, the last administrator stays),
 * each change audited by `Accounts`. The caller checks the end user's rights; secrets never leave.
 */
export function accountMethods(accounts: Accounts) {
  return {
    listAccounts: () => ({ accounts: accounts.all().map(({ name, role }) => ({ name, role })) }),
    addAccount: async (p: { name: string; password: string; role: Role }) => {
      await accounts.add({ name: p.name, password: p.password, role: p.role });
      return {};
    },
    updateAccount: async (p: { name: string; password?: string; role?: Role }) => {
      await accounts.update(p.name, { password: p.password, role: p.role });
      return {};
    },
    removeAccount: async (p: { name: string }) => {
      await accounts.remove(p.name);
      return {};
    },
  };
}
