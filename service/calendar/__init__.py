"""The Vietnamese working calendar: weekends, public holidays (lunar ones too), make-up days."""
