void main_main(void){}
