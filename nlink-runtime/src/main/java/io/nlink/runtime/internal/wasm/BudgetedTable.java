package io.nlink.runtime.internal.wasm;

import run.endive.runtime.Instance;
import run.endive.runtime.TableFactory;
import run.endive.runtime.TableInstance;
import run.endive.wasm.types.Table;
import run.endive.wasm.types.TableLimits;

/**
 * A table that grows only within its instance's share of {@link InstanceBudget#MAX_TABLE_ENTRIES}:
 * a {@code table.grow} past it answers -1 inside the guest, as a refused {@code memory.grow} does,
 * and allocates nothing.
 *
 * <p>Each instance also gets its own copy of the module's table limits. The engine's table grows
 * by updating the module's {@link TableLimits} object, which every instance of the module shares,
 * so without the copy a table grown in one batch started that large in the next one (state and
 * host memory leaking from batch to batch; {@code HostBudgetTest} shows it gone).
 */
final class BudgetedTable extends TableInstance {
    private final Budget budget;

    private BudgetedTable(Table table, int initialValue, Budget budget) {
        super(table, initialValue);
        this.budget = budget;
    }

    /** The entries left to one instance's tables together. */
    private static final class Budget {
        long left = InstanceBudget.MAX_TABLE_ENTRIES;
    }

    /** A factory for one instance: its tables share one budget. Declared sizes are checked at load. */
    static TableFactory factory() {
        Budget budget = new Budget();
        return (table, initialValue) -> {
            TableLimits declared = table.limits();
            budget.left -= declared.min();
            Table own =
                    new Table(table.elementType(), new TableLimits(declared.min(), declared.max()), table.initialize());
            return new BudgetedTable(own, initialValue, budget);
        };
    }

    @Override
    public int grow(int size, int value, Instance instance) {
        if (!take(size)) {
            return -1;
        }
        return settle(size, super.grow(size, value, instance));
    }

    @Override
    public int growWithRef(int size, Object refValue, Instance instance) {
        if (!take(size)) {
            return -1;
        }
        return settle(size, super.growWithRef(size, refValue, instance));
    }

    private boolean take(int size) {
        if (size < 0 || size > budget.left) {
            return false;
        }
        budget.left -= size;
        return true;
    }

    /** Gives the entries back when the engine refused the grow (past the table's own maximum). */
    private int settle(int size, int previous) {
        if (previous < 0) {
            budget.left += size;
        }
        return previous;
    }
}
