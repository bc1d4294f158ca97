//! Small builders shared by the migrations. They only name things; every migration still spells out its columns.

use sea_orm_migration::{prelude::*, schema::*};

/// A timestamp-with-time-zone column.
pub fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

/// A foreign key `from_table.from_col → to_table.id`, named `fk_{from_table}_{from_col}`; rows go with their parent
/// when `cascade`, else the parent cannot be deleted while referenced.
pub fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut stmt = ForeignKey::create();
    stmt.name(format!("fk_{from_table}_{from_col}")).from(from_table, from_col).to(to_table, "id");
    if cascade {
        stmt.on_delete(ForeignKeyAction::Cascade);
    }
    stmt.to_owned()
}

/// An index named `ix_{table}_{cols}`.
pub fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
    for col in cols {
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

/// Drops tables in the reverse of their creation order.
pub async fn drop_all(m: &SchemaManager<'_>, tables: &[&'static str]) -> Result<(), DbErr> {
    for table in tables.iter().rev() {
        m.drop_table(Table::drop().table(*table).to_owned()).await?;
    }
    Ok(())
}
